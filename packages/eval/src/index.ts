// SWE-bench harness: where evaluations run (local checkouts, or Docker over the Engine API)
export { answerKeyFreeCheckout } from "./executors/checkout.js";
export { DOCKER_API_VERSION, DockerClient, dockerRequests, SWERL_LABEL } from "./executors/docker-api.js";
export { DockerExecutor, DockerExecutorConfig } from "./executors/docker-executor.js";
export { DockerHttpTransport, parseDockerHost } from "./executors/docker-transport.js";
export { ExecutorError } from "./executors/errors.js";
// the Executor interface with its request, result and environment types
export * from "./executors/executor.js";
export {
  ALLOWED_HOST_VARIABLES,
  commandEnvironment,
  LocalExecutor,
  pruneStaleWorkDirs,
} from "./executors/local-executor.js";
export { gradeTests, resolutionStatus } from "./grading/grade.js";
// SWE-bench harness: evaluation
export {
  evalScript,
  evaluateInstance,
  type InstanceOutcome,
  patchHash,
  testCommandForSpec,
} from "./harness/evaluate-instance.js";
export { EvaluationConfig } from "./harness/evaluation-config.js";
export { type FlakyInstance, findFlaky } from "./harness/flakiness.js";
export * as logMarkers from "./harness/log-markers.js";
export {
  EvaluationInputError,
  type EvaluationProgress,
  type EvaluationRun,
  type EvaluationRuntime,
  type ModelRun,
  runEvaluation,
} from "./harness/run-evaluation.js";
// SWE-bench harness: images (base, environment, instance) without a registry
export { buildImages } from "./images/build-images.js";
export { BASE_PACKAGES, DEFAULT_ENVIRONMENT, ENVIRONMENT_PACKAGES } from "./images/debian-packages.js";
export {
  baseImageName,
  evaluationImage,
  ImageBuildConfig,
  ImageBuildError,
  instanceImages,
} from "./images/image-plan.js";
// SWE-bench harness: log parsers and grading
export { parseNodeTestTap, parseUnittest } from "./parsers/demo-parsers.js";
// the official log parsers (SWE-bench's function names)
export * from "./parsers/python-parsers.js";
export {
  LOG_PARSERS,
  parserForRepository,
  REPOSITORY_PARSERS,
  registerRepositoryParser,
} from "./parsers/registry.js";
export type { StatusMap } from "./parsers/test-status.js";
// SWE-bench harness: test specifications as data
export {
  diffFiles,
  RepositoryTestSpec,
  registerRepositorySpec,
  repositorySpec,
  testCommandFor,
  testDirectives,
  UnknownRepositoryError,
} from "./specs/test-spec.js";
// SWE-bench-style tasks from mined pull requests (FAIL_TO_PASS / PASS_TO_PASS by running the tests)
export { BuildTasksConfig, buildTasks, DroppedTask } from "./tasks/build-tasks.js";
export { splitPatchByTests } from "./tasks/task-patch.js";
