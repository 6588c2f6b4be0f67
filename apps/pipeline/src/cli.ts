import { main } from "./program.js";
import { userWorkingDirectory } from "./working-directory.js";

// `swerl … | head` closes the pipe early: stop quietly, as Unix tools do, instead of crashing on EPIPE.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });

process.chdir(userWorkingDirectory(process.env, process.cwd()));
process.exitCode = await main(process.argv);
