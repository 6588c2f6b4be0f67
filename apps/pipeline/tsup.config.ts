import { packageBuild } from "@swerl/tooling/tsup";

export default [
  packageBuild(),
  packageBuild({
    entry: ["src/cli.ts"],
    format: ["esm"],
    dts: false,
    clean: false,
  }),
];
