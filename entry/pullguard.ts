/**
 * Composition root of the `pullguard` command: wires the CLI (src/cli) to real Azure or to the bundled emulator.
 * It lives outside src/ because it may import the emulator, which the deployed function app never contains.
 */
import { createInterface } from "node:readline/promises";
import type { CliDeps, CliIo } from "../src/cli/deps.js";
import { CouldNotRunError } from "../src/cli/errors.js";
import type { ExitCode } from "../src/cli/exit-codes.js";
import { runCli } from "../src/cli/main.js";

const VERSION = "0.1.0";

function terminalIo(): CliIo {
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

const notBuilt = (name: string) => async (): Promise<ExitCode> => {
  throw new CouldNotRunError(`the ${name} command is not available in this build`, "run `pullguard --help`");
};

export function cliDeps(io: CliIo = terminalIo()): CliDeps {
  return {
    version: VERSION,
    io,
    commands: {
      check: notBuilt("check"),
      fix: notBuilt("fix"),
      notify: notBuilt("notify"),
      emulator: notBuilt("emulator"),
      demo: notBuilt("demo"),
    },
  };
}

export async function main(argv: readonly string[]): Promise<ExitCode> {
  return runCli(argv, cliDeps());
}
