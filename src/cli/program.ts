/**
 * The `pullguard` command line (spec/cli.md). Thin: parse arguments, call a command module, return its exit
 * code. The one error boundary is in main.ts.
 */
import { Command, Option } from "commander";
import type { CliDeps } from "./deps.js";
import type { ExitCode } from "./exit-codes.js";

export interface BackendFlags {
  world?: string;
  subscription?: string;
}

/** Collects the exit code of whichever action ran. */
export interface ProgramResult {
  exitCode: ExitCode;
}

function backendOptions(cmd: Command): Command {
  return cmd
    .option("--world <file>", "run against the bundled emulator started in-process from this world file")
    .option("--subscription <id>", "subscription to look in (real Azure); with no app ID, check every app in it");
}

export function buildProgram(deps: CliDeps, result: ProgramResult): Command {
  const program = new Command("pullguard")
    .description(
      "Finds and fixes why an Azure Container App cannot pull its images from Azure Container Registry with a managed identity.",
    )
    .version(deps.version, "-V, --version")
    .showHelpAfterError("(run `pullguard --help` for the commands, `pullguard <command> --help` for one command)")
    .configureOutput({ writeOut: deps.io.stdout, writeErr: deps.io.stderr })
    .exitOverride();

  appCommands(program, deps, result);
  toolCommands(program, deps, result);
  return program;
}

/** The commands on one app: check, fix, notify. */
function appCommands(program: Command, deps: CliDeps, result: ProgramResult): void {
  backendOptions(
    program
      .command("check")
      .description("diagnose an app's pull path (exit 0 healthy or degraded, 2 broken, 1 could not run)")
      .argument("[app-id]", "container app or job resource ID")
      .option("--resource-group <name>", "check every app in this resource group (needs --subscription)")
      .option("--json", "print exactly one JSON document on stdout"),
  ).action(async (appId: string | undefined, opts: Record<string, unknown>) => {
    result.exitCode = await deps.commands.check({ appId, ...opts });
  });

  backendOptions(
    program
      .command("fix")
      .description(
        "diagnose, plan, apply per policy, verify (exit 0 resolved, 2 still broken or pending, 1 could not run)",
      )
      .argument("<app-id>", "container app or job resource ID")
      .option("--dry-run", "print the exact ARM requests that would be sent, and send none")
      .option("--yes", "apply without asking (needed when there is no terminal)")
      .option("--json", "print exactly one JSON document on stdout"),
  ).action(async (appId: string, opts: Record<string, unknown>) => {
    result.exitCode = await deps.commands.fix({ appId, ...opts });
  });

  backendOptions(
    program
      .command("notify")
      .description("show the message the current state would send")
      .argument("<app-id>", "container app or job resource ID")
      .requiredOption("--preview", "print the payload instead of sending it (the only mode)")
      .addOption(
        new Option("--channel <channel>", "channel to preview")
          .choices(["teams", "slack", "webhook"])
          .makeOptionMandatory(),
      )
      .addOption(
        new Option("--outcome <outcome>", "preview a follow-up instead of the diagnosis").choices([
          "resolved",
          "unresolved",
        ]),
      ),
  ).action(async (appId: string, opts: Record<string, unknown>) => {
    result.exitCode = await deps.commands.notify({ appId, ...opts });
  });
}

/** The commands around the product: the emulator, the doctor of a deployment, the demo. */
function toolCommands(program: Command, deps: CliDeps, result: ProgramResult): void {
  program
    .command("emulator")
    .description("run the ARM + ACR emulator on its own and print the settings that point PullGuard at it")
    .requiredOption("--world <file>", "world file to load (see docs/worlds.md)")
    .option("--port <n>", "port to listen on (default: a free one)")
    .action(async (opts: Record<string, unknown>) => {
      result.exitCode = await deps.commands.emulator(opts);
    });

  backendOptions(
    program
      .command("doctor")
      .description(
        "read-only check of a deployed PullGuard's wiring (exit 0 all well, 2 something wrong, 1 could not run)",
      )
      .option("--function-app <id>", "the PullGuard function app (default: the one tagged application: pullguard)")
      .option("--json", "print exactly one JSON document on stdout"),
  ).action(async (opts: Record<string, unknown>) => {
    result.exitCode = await deps.commands.doctor(opts);
  });

  program
    .command("demo")
    .description(
      "the end-to-end story on the emulator: a failed deploy is diagnosed, fixed, verified and reported (--job: a scheduled job's failed run)",
    )
    .option(
      "--world <file>",
      "world to run the story on (default: the embedded orders-api world; nightly-export with --job)",
    )
    .option(
      "--job",
      "the job story: a scheduled job's 02:00 execution cannot pull; PullGuard fixes it without a restart and verifies it after the next run",
    )
    .action(async (opts: Record<string, unknown>) => {
      result.exitCode = await deps.commands.demo(opts);
    });
}
