import { SwerlError } from "@swerl/schema";

/** A GRPO batch whose arrays disagree in shape or hold values the loss cannot use. */
export class GrpoBatchError extends SwerlError {
  /** Which batch field is wrong (for example `sequences[3].oldLogprobs`). */
  readonly field: string;

  constructor(field: string, detail: string) {
    super("E_GRPO_BATCH", `GRPO batch: ${field}: ${detail}`);
    this.field = field;
  }
}

/** A training configuration that fails validation; names the offending key. */
export class TrainerConfigError extends SwerlError {
  readonly fieldPath: string;

  constructor(source: string, fieldPath: string, detail: string) {
    super("E_TRAINER_CONFIG", `${source}: ${fieldPath ? `${fieldPath}: ` : ""}${detail}`);
    this.fieldPath = fieldPath;
  }
}

/** The oracle fix of an RL instance cannot be written as an SWE-RL response that applies exactly. */
export class OracleResponseError extends SwerlError {
  readonly path: string;

  constructor(path: string, detail: string) {
    super("E_ORACLE_RESPONSE", `oracle response for ${path}: ${detail}`);
    this.path = path;
  }
}

/** Optimizer state or gradients that do not match the parameters they belong to. */
export class OptimizerStateError extends SwerlError {
  readonly tensor: string;

  constructor(tensor: string, detail: string) {
    super("E_OPTIMIZER_STATE", `optimizer state: ${tensor}: ${detail}`);
    this.tensor = tensor;
  }
}

/** Model weights missing a tensor the architecture needs, or shaped unlike the config says. */
export class ModelWeightsError extends SwerlError {
  readonly tensor: string;

  constructor(tensor: string, detail: string) {
    super("E_MODEL_WEIGHTS", `model weights: ${tensor}: ${detail}`);
    this.tensor = tensor;
  }
}
