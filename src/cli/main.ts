/**
 * The CLI's one error boundary: the only place that turns an outcome or an error into an exit code. Known errors
 * (bad usage or settings, a world file that cannot be loaded, an app that is not there or cannot be read, no
 * credential, Azure refusing or not answering) become a one-line message and the next step, exit 1 (spec/cli.md:
 * "could not run"); only anything else, a bug, is shown with its stack.
 */
import { CommanderError } from "commander";
import { explainAzureFailure } from "../azure/failure-explanation.js";
import { ConfigError } from "../config.js";
import { OutsideAllowlistError } from "../shared/errors.js";
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
  if (error instanceof UsageError || error instanceof ConfigError || error instanceof OutsideAllowlistError) {
    deps.io.stderr(`pullguard: ${error.message}\n`);
    return EXIT.couldNotRun;
  }
  if (error instanceof CouldNotRunError) {
    deps.io.stderr(`pullguard: ${error.message}\n${error.nextStep ? `next: ${error.nextStep}\n` : ""}`);
    return EXIT.couldNotRun;
  }
  const azure = explainAzureFailure(error);
  if (azure) {
    deps.io.stderr(`pullguard: ${azure.message}\n${azure.nextStep ? `next: ${azure.nextStep}\n` : ""}`);
    return EXIT.couldNotRun;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  deps.io.stderr(`pullguard: unexpected error (this is a bug; please report it with the lines below)\n${detail}\n`);
  return EXIT.couldNotRun;
}
