/**
 * The directory the user ran `pnpm swerl …` / `pnpm pipeline …` from. pnpm runs the root package's
 * scripts in the repository root and keeps the user's directory in `INIT_CWD`; relative paths on the
 * command line mean the user's directory, so the CLI moves there first. Run any other way (the built
 * `swerl` binary, `node …/cli.ts`), the process's own directory is already the user's.
 */
export function userWorkingDirectory(env: NodeJS.ProcessEnv, cwd: string): string {
  const viaRootScript = env.npm_lifecycle_event === "swerl" || env.npm_lifecycle_event === "pipeline";
  return viaRootScript && env.INIT_CWD ? env.INIT_CWD : cwd;
}
