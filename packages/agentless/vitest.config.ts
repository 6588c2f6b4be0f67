import { packageTests } from "@swerl/tooling/vitest";

export default packageTests("agentless");
