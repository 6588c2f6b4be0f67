import onnxProto from "onnx-proto";

export const { onnx } = onnxProto;
export type Attribute = number | number[] | { float: number } | { string: string };

/** The opset the graphs use: every op here has had this signature since opset 13-17. */
export const LLAMA_ONNX_OPSET = 17;

/** Appends nodes and initializers with generated unique names. */
export class GraphBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  #next = 0;

  op(opType: string, inputs: string[], attributes: Record<string, Attribute> = {}, output?: string): string {
    const name = output ?? `${opType.toLowerCase()}_${this.#next++}`;
    this.nodes.push({
      opType,
      input: inputs,
      output: [name],
      name: `${opType}_${this.nodes.length}`,
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return name;
  }

  /** A node with several outputs (Split). */
  opMulti(
    opType: string,
    inputs: string[],
    outputs: number,
    attributes: Record<string, Attribute> = {},
  ): string[] {
    const names = Array.from({ length: outputs }, () => `${opType.toLowerCase()}_${this.#next++}`);
    this.nodes.push({
      opType,
      input: inputs,
      output: names,
      name: `${opType}_${this.nodes.length}`,
      attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
    });
    return names;
  }

  float(name: string, values: Float32Array, dims: number[]): string {
    this.initializers.push({
      name,
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    });
    return name;
  }

  int64(values: number[], dims: number[] = [values.length]): string {
    const name = `const_${this.#next++}`;
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({
      name,
      dims,
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  }

  /** The graph as serialised ModelProto bytes (opset LLAMA_ONNX_OPSET). */
  encode(
    name: string,
    input: onnxProto.onnx.IValueInfoProto[],
    output: onnxProto.onnx.IValueInfoProto[],
  ): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: "swerl",
      producerVersion: "0.1.0",
      opsetImport: [{ domain: "", version: LLAMA_ONNX_OPSET }],
      graph: { name, node: this.nodes, initializer: this.initializers, input, output },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  scalarFloat(value: number): string {
    return this.float(`const_${this.#next++}`, Float32Array.of(value), []);
  }
}

function attribute(name: string, value: Attribute): onnxProto.onnx.IAttributeProto {
  const types = onnx.AttributeProto.AttributeType;
  if (Array.isArray(value)) return { name, type: types.INTS, ints: value };
  if (typeof value === "number") return { name, type: types.INT, i: value };
  if ("string" in value) return { name, type: types.STRING, s: new TextEncoder().encode(value.string) };
  return { name, type: types.FLOAT, f: value.float };
}

export function valueInfo(
  name: string,
  elemType: number,
  dims: Array<number | string>,
): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((dim) => (typeof dim === "number" ? { dimValue: dim } : { dimParam: dim })) },
      },
    },
  };
}
