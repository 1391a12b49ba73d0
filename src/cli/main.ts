/**
 * The CLI's one error boundary: the only place that turns an outcome or an error into an exit code.
 */
import { CommanderError } from "commander";
import { ConfigError } from "../config.js";
import type { CliDeps } from "./deps.js";
import { CouldNotRunError, UsageError } from "./errors.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { buildProgram, type ProgramResult } from "./program.js";

export async function runCli(argv: readonly string[], deps: CliDeps): Promise<ExitCode> {
  const result: ProgramResult = { exitCode: EXIT.ok };
  const program = buildProgram(deps, result);
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.couldNotRun;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return result.exitCode;
  } catch (error) {
    return explain(error, deps);
  }
}

function explain(error: unknown, deps: CliDeps): ExitCode {
  if (error instanceof CommanderError) {
    // Commander already printed its message (or the help/version text) through configureOutput.
    const informational = ["commander.helpDisplayed", "commander.version", "commander.help"].includes(error.code);
    return informational ? EXIT.ok : EXIT.couldNotRun;
  }
  if (error instanceof UsageError || error instanceof ConfigError) {
    deps.io.stderr(`pullguard: ${error.message}\n`);
    return EXIT.couldNotRun;
  }
  if (error instanceof CouldNotRunError) {
    deps.io.stderr(`pullguard: ${error.message}\n${error.nextStep ? `next: ${error.nextStep}\n` : ""}`);
    return EXIT.couldNotRun;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  deps.io.stderr(`pullguard: unexpected error (this is a bug; please report it with the lines below)\n${detail}\n`);
  return EXIT.couldNotRun;
}
