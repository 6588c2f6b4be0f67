export {
  byteToCharTable,
  TokenizerTrainingError,
  tokenizerJson,
  trainByteLevelBpe,
} from "./byte-level-bpe.js";
export { ChatMessage } from "./chat-message.js";
export { ChatTemplate, TokenizerConfig } from "./chat-template.js";
export { ChatTemplateError, ModelDirectoryError, PolicyInputError, PromptBudgetError } from "./errors.js";
export { generateGroups } from "./generate.js";
export { buildLlamaOnnx, buildLlamaSharedPrefixOnnx, LLAMA_ONNX_OPSET } from "./llama-onnx-graph.js";
export { LlamaWeightError, llamaReferenceForward } from "./llama-reference.js";
export { type BackwardRule, buildLlamaTrainingGraphs, EMBEDDING_ROWS_GRAD } from "./llama-train-graph.js";
export { logSoftmax } from "./log-softmax.js";
export {
  CHAT_TEMPLATE,
  createModel,
  DEMO_MODEL_CONFIG,
  exportOnnx,
  initialLlamaWeights,
  llamaTensorShapes,
  readModelWeights,
  SPECIAL_TOKENS,
} from "./model-directory.js";
export { loadTokenizer, ModelTokenizer } from "./model-tokenizer.js";
export { type KvCache, OnnxDecoder, selectCacheRows } from "./onnx-decoder.js";
export { OnnxPolicy } from "./onnx-policy.js";
// OpenAI-compatible policies: a client for any server, a server over any Policy, a scripted policy
export { choiceToSample, OpenAIPolicy, OpenAIPolicyError } from "./openai-policy.js";
export {
  ChatCompletionRequest,
  CompletionChoice,
  CompletionRequest,
  CompletionResponse,
  ModelList,
  TOKEN_ID_PREFIX,
} from "./openai-policy-wire.js";
export type { Policy, SampleGroup, SamplingOptionsInput } from "./policy.js";
export { SamplingOptions } from "./policy.js";
export {
  PolicyServerConfig,
  plainChatPrompt,
  type RunningPolicyServer,
  startPolicyServer,
} from "./policy-server.js";
export { promptBudget, templateOverhead } from "./prompt-budget.js";
export {
  buildRepairPrompt,
  EDIT_FORMAT_INSTRUCTIONS,
  formatRepairRequest,
  type RepairPrompt,
  SYSTEM_PROMPT,
  type TokenCounter,
} from "./repair-prompt.js";
export { ReplayEntry, ReplayMissError, ReplayPolicy } from "./replay-policy.js";
export { ropeInverseFrequencies, ropeTables } from "./rope.js";
export {
  RolloutConfig,
  type RolloutProgress,
  type RolloutSummary,
  type RunRolloutsInput,
  runRollouts,
} from "./run-rollouts.js";
export { sampleToken } from "./sample-token.js";
export { seededUniform } from "./seeded-uniform.js";
export { findStop } from "./stop-strings.js";
