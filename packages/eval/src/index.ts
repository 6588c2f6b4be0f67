// SWE-bench harness: Docker executor (designed against the Executor interface; not run against an engine here)
export {
  DOCKER_API_VERSION,
  type DockerRequest,
  type DockerResponse,
  type DockerTransport,
  demultiplexDockerStream,
  dockerRequests,
  singleFileTar,
  UnixSocketTransport,
} from "./executors/docker-api.js";
export { DockerExecutor, type DockerExecutorOptions } from "./executors/docker-executor.js";
// SWE-bench harness: where evaluations run
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
export { commandEnvironment, LocalExecutor, type LocalExecutorOptions } from "./executors/local-executor.js";
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
  evaluateInstance,
  type InstanceOutcome,
  type InstanceStatus,
} from "./harness/evaluate-instance.js";
export * as logMarkers from "./harness/log-markers.js";
export {
  EvaluationInputError,
  type EvaluationProgress,
  type EvaluationRun,
  type RunEvaluationOptions,
  runEvaluation,
} from "./harness/run-evaluation.js";
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
