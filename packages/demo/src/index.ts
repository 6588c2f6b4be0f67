export { archiveFileName } from "./archive-events.js";
export { BugFamily, Language } from "./bug-families.js";
export { DemoGitError } from "./git-cli.js";
export {
  DemoGroundTruth,
  DemoLinkStyle,
  DemoPullRequestTruth,
  DemoRepositoryTruth,
  DemoVerdict,
} from "./ground-truth.js";
export {
  type DemoWorld,
  DemoWorldConfig,
  type DemoWorldProgress,
  type WriteDemoWorldOptions,
  writeDemoWorld,
} from "./write-demo-world.js";
