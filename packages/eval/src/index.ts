// SWE-bench harness: Docker executor (Engine API, version negotiated, DOCKER_HOST unix or tcp)

// SWE-bench harness: where evaluations run
export { answerKeyFreeCheckout } from "./executors/checkout.js";
export {
  type ContainerSpec,
  checkProgressStream,
  DOCKER_API_VERSION,
  DockerClient,
  demultiplexDockerStream,
  dockerRequests,
  SWERL_LABEL,
  singleFileTar,
} from "./executors/docker-api.js";
export {
  DockerExecutor,
  DockerExecutorConfig,
  type DockerExecutorOptions,
} from "./executors/docker-executor.js";
export {
  type DockerEndpoint,
  DockerHttpTransport,
  type DockerRequest,
  type DockerResponse,
  type DockerTransport,
  parseDockerHost,
} from "./executors/docker-transport.js";
export { ExecutorError } from "./executors/errors.js";
export {
  type Executor,
  mirrorDirectoryName,
  RepositoryEnvironment,
  type RunRequest,
  type RunResult,
  type Workspace,
  WorkspaceRequest,
} from "./executors/executor.js";
export { ConcurrencyLimiter } from "./executors/limiter.js";
export {
  ALLOWED_HOST_VARIABLES,
  commandEnvironment,
  LocalExecutor,
  type LocalExecutorOptions,
  pruneStaleWorkDirs,
} from "./executors/local-executor.js";
export {
  EvalType,
  FAIL_ONLY_REPOSITORIES,
  type GradeOptions,
  gradeTests,
  Outcome,
  ResolutionStatus,
  resolutionStatus,
  TestsStatus,
} from "./grading/grade.js";
// SWE-bench harness: evaluation
export {
  type EvaluateInstanceOptions,
  evalScript,
  evaluateInstance,
  type FailureReason,
  type InstanceOutcome,
  type InstanceReportEntry,
  type InstanceStatus,
  patchHash,
  testCommandForSpec,
} from "./harness/evaluate-instance.js";
export { EvaluationConfig } from "./harness/evaluation-config.js";
export { resolveDatasetFile, SPECS_FILE_NAME } from "./harness/evaluation-inputs.js";
export { type FlakyInstance, findFlaky } from "./harness/flakiness.js";
export * as logMarkers from "./harness/log-markers.js";
export { safePathSegment, writeFileAtomic } from "./harness/output-files.js";
export {
  EvaluationInputError,
  type EvaluationProgress,
  type EvaluationRun,
  type EvaluationRuntime,
  type ModelRun,
  runEvaluation,
} from "./harness/run-evaluation.js";
// SWE-bench harness: images (base, environment, instance) without a registry
export {
  type BuildImagesRuntime,
  type BuiltImages,
  buildImages,
  type ImageBuildProgress,
} from "./images/build-images.js";
export { BASE_PACKAGES, DEFAULT_ENVIRONMENT, ENVIRONMENT_PACKAGES } from "./images/debian-packages.js";
export {
  baseImageName,
  evaluationImage,
  ImageBuildConfig,
  ImageBuildError,
  type ImageLevel,
  type InstanceImages,
  instanceImages,
} from "./images/image-plan.js";
// SWE-bench harness: log parsers and grading
export { parseNodeTestTap, parseUnittest } from "./parsers/demo-parsers.js";
export {
  normalizeOptionTestName,
  parseDjango,
  parseMatplotlib,
  parsePytest,
  parsePytestOptions,
  parsePytestV2,
  parseSeaborn,
  parseSympy,
} from "./parsers/python-parsers.js";
export {
  LOG_PARSERS,
  parserForRepository,
  REPOSITORY_PARSERS,
  registerRepositoryParser,
  UnknownParserError,
} from "./parsers/registry.js";
export { HarnessVersion, type LogParser, type StatusMap, TestStatus } from "./parsers/test-status.js";
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
export {
  BuildTasksConfig,
  type BuildTasksRuntime,
  type BuiltTasks,
  buildTasks,
  DroppedTask,
  TaskBuildError,
  type TaskBuildProgress,
} from "./tasks/build-tasks.js";
export { type SplitPatch, splitPatchByTests } from "./tasks/task-patch.js";
