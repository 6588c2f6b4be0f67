import { packageBuild } from "@swerl/tooling/tsup";

export default packageBuild();
