/**
 * Composition root of the `pullguard` command: wires the CLI (src/cli) to real Azure or to the bundled emulator.
 * It lives outside src/ because it may import the emulator, which the deployed function app never contains.
 */
import { userInfo } from "node:os";
import { createInterface } from "node:readline/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { backendFromSettings } from "../../src/azure/backend.js";
import { runCheck } from "../../src/cli/commands/check.js";
import { runDoctor } from "../../src/cli/commands/doctor.js";
import { runFix } from "../../src/cli/commands/fix.js";
import { runNotifyPreview } from "../../src/cli/commands/notify.js";
import type { OpenBackend } from "../../src/cli/commands/session.js";
import type { CliDeps, CliIo } from "../../src/cli/deps.js";
import type { ExitCode } from "../../src/cli/exit-codes.js";
import { runCli } from "../../src/cli/main.js";
import { type Env, loadSettings } from "../../src/config.js";
import { runEmulatorCommand } from "./emulator-command.js";
import { openWorldBackend } from "./world-backend.js";

const VERSION = "0.1.0";

export function terminalIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    interactive: Boolean(process.stdin.isTTY),
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

export const openBackend: OpenBackend = async (flags, settings) => {
  if (flags.world) return openWorldBackend(flags.world);
  return {
    backend: backendFromSettings(settings),
    now: () => new Date(),
    sleep: (ms) => sleep(ms),
    subscriptions: flags.subscription ? [flags.subscription] : settings.subscriptions,
    close: async () => undefined,
  };
};

export function cliDeps(io: CliIo = terminalIo(), env: Env = process.env): CliDeps {
  // Settings are read when a command needs them, so `--help` works with any environment.
  const settings = () => loadSettings(env);
  const user = env.USER ?? userInfo().username;
  return {
    version: VERSION,
    io,
    commands: {
      check: (opts) => runCheck(opts, { io, settings: settings(), openBackend }),
      fix: (opts) => runFix(opts, { io, settings: settings(), openBackend, user }),
      notify: (opts) => runNotifyPreview(opts, { io, settings: settings(), openBackend }),
      emulator: (opts) => runEmulatorCommand(opts, io),
      doctor: (opts) => runDoctor(opts, { io, settings: settings(), openBackend }),
      // Loaded on demand: the demo brings the function handlers (and @azure/functions) with it.
      demo: async (opts) => (await import("../demo/run-demo.js")).runDemoCommand(opts, io),
    },
  };
}

export async function main(argv: readonly string[]): Promise<ExitCode> {
  return runCli(argv, cliDeps());
}
