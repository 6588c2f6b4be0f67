import type { LlamaConfig } from "@swerl/schema";

/** The head size of a config: `head_dim`, else hidden / heads. */
export function headDimOf(config: LlamaConfig): number {
  return config.head_dim ?? config.hidden_size / config.num_attention_heads;
}

/**
 * RoPE inverse frequencies theta^(-2i/hd), i < hd/2 (float64), with Llama 3's frequency-dependent scaling
 * when `rope_scaling.rope_type` is "llama3" (as transformers' `_compute_llama3_parameters`): wavelengths
 * longer than original_max_position_embeddings / low_freq_factor are divided by `factor`, shorter than
 * original / high_freq_factor kept, and those between interpolated smoothly.
 */
export function ropeInverseFrequencies(config: LlamaConfig): Float64Array {
  const headDim = headDimOf(config);
  const half = headDim / 2;
  const inv = Float64Array.from({ length: half }, (_, i) => config.rope_theta ** ((-2 * i) / headDim));
  const scaling = config.rope_scaling;
  if (!scaling) return inv;
  const { factor, low_freq_factor: low, high_freq_factor: high } = scaling;
  const original = scaling.original_max_position_embeddings;
  const lowWavelength = original / low;
  const highWavelength = original / high;
  return inv.map((frequency) => {
    const wavelength = (2 * Math.PI) / frequency;
    if (wavelength < highWavelength) return frequency;
    if (wavelength > lowWavelength) return frequency / factor;
    const smooth = (original / wavelength - low) / (high - low);
    return (1 - smooth) * (frequency / factor) + smooth * frequency;
  });
}

/**
 * cos and sin [positions, hd] row-major (float32 of float64 angles position * inv_freq[i], the halves
 * duplicated as Hugging Face's rotate_half layout needs), for positions 0..positions-1.
 */
export function ropeTables(config: LlamaConfig, positions: number): { cos: Float32Array; sin: Float32Array } {
  const headDim = headDimOf(config);
  const half = headDim / 2;
  const inv = ropeInverseFrequencies(config);
  const cos = new Float32Array(positions * headDim);
  const sin = new Float32Array(positions * headDim);
  for (let p = 0; p < positions; p++)
    for (let i = 0; i < half; i++) {
      const angle = p * (inv[i] as number);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[p * headDim + i] = c;
      cos[p * headDim + i + half] = c;
      sin[p * headDim + i] = s;
      sin[p * headDim + i + half] = s;
    }
  return { cos, sin };
}
