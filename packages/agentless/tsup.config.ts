import { packageBuild } from "@swerl/tooling/tsup";

export default packageBuild({ entry: ["src/index.ts"] });
