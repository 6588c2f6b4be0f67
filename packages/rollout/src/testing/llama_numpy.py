"""Independent reference: the Hugging Face Llama forward pass written with numpy in float64, vectorised the
way modeling_llama.py is (rotate_half, repeat_kv, additive causal mask). Reads {"config", "weights",
"input_ids"} JSON on stdin and prints the logits [T, vocab] as JSON."""
import json
import sys

import numpy as np

req = json.load(sys.stdin)
c = req["config"]
W = {k: np.array(v, dtype=np.float32).astype(np.float64) for k, v in req["weights"].items()}
ids = np.array(req["input_ids"])
d, H, K = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
hd = c.get("head_dim") or d // H
eps, theta, T = c["rms_norm_eps"], c["rope_theta"], len(ids)


def w(name, *shape):
    return W[name].reshape(shape)


def rms(x, weight):
    return weight * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps))


def rotate_half(x):
    return np.concatenate([-x[..., hd // 2 :], x[..., : hd // 2]], axis=-1)


inv_freq = 1.0 / theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd)
rs = c.get("rope_scaling")
if rs:
    # Llama 3 scaling as described in the Llama 3.1 release (transformers' _compute_llama3_parameters),
    # written here from the description: scale low frequencies by 1/factor, keep high ones, blend between.
    assert (rs.get("rope_type") or rs.get("type")) == "llama3"
    wavelen = 2 * np.pi / inv_freq
    old = rs["original_max_position_embeddings"]
    lo, hi, factor = rs["low_freq_factor"], rs["high_freq_factor"], rs["factor"]
    smooth = np.clip((old / wavelen - lo) / (hi - lo), 0.0, 1.0)
    inv_freq = (1 - smooth) * inv_freq / factor + smooth * inv_freq
freqs = np.outer(np.arange(T, dtype=np.float64), inv_freq)
emb = np.concatenate([freqs, freqs], axis=-1)
cos, sin = np.cos(emb)[None], np.sin(emb)[None]
mask = np.triu(np.full((T, T), -np.inf), k=1)

h = w("model.embed_tokens.weight", c["vocab_size"], d)[ids]
for i in range(c["num_hidden_layers"]):
    p = f"model.layers.{i}"
    x = rms(h, W[f"{p}.input_layernorm.weight"])
    q = (x @ w(f"{p}.self_attn.q_proj.weight", H * hd, d).T).reshape(T, H, hd).transpose(1, 0, 2)
    k = (x @ w(f"{p}.self_attn.k_proj.weight", K * hd, d).T).reshape(T, K, hd).transpose(1, 0, 2)
    v = (x @ w(f"{p}.self_attn.v_proj.weight", K * hd, d).T).reshape(T, K, hd).transpose(1, 0, 2)
    q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
    k, v = np.repeat(k, H // K, axis=0), np.repeat(v, H // K, axis=0)
    s = q @ k.transpose(0, 2, 1) / np.sqrt(hd) + mask
    s = np.exp(s - s.max(-1, keepdims=True))
    a = (s / s.sum(-1, keepdims=True)) @ v
    h = h + a.transpose(1, 0, 2).reshape(T, H * hd) @ w(f"{p}.self_attn.o_proj.weight", d, H * hd).T
    x = rms(h, W[f"{p}.post_attention_layernorm.weight"])
    g = x @ w(f"{p}.mlp.gate_proj.weight", -1, d).T
    u = x @ w(f"{p}.mlp.up_proj.weight", -1, d).T
    h = h + (g / (1 + np.exp(-g)) * u) @ w(f"{p}.mlp.down_proj.weight", d, -1).T
head = W["model.embed_tokens.weight"] if c["tie_word_embeddings"] else W["lm_head.weight"]
logits = rms(h, W["model.norm.weight"]) @ head.reshape(c["vocab_size"], d).T
print(json.dumps(logits.tolist()))
