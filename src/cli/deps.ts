/**
 * What the CLI needs from outside, injected by the composition root (entry/pullguard.ts). The commands receive the
 * parsed options as plain records and validate them themselves, so a bad flag gets a message naming it.
 */
import type { ExitCode } from "./exit-codes.js";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdin is a terminal a person can answer on. */
  interactive: boolean;
  /** Asks a question on the terminal and resolves with the answer. */
  ask: (question: string) => Promise<string>;
}

export type CommandOptions = Record<string, unknown>;

export interface CliCommands {
  check: (opts: CommandOptions) => Promise<ExitCode>;
  fix: (opts: CommandOptions) => Promise<ExitCode>;
  notify: (opts: CommandOptions) => Promise<ExitCode>;
  emulator: (opts: CommandOptions) => Promise<ExitCode>;
  demo: (opts: CommandOptions) => Promise<ExitCode>;
  doctor: (opts: CommandOptions) => Promise<ExitCode>;
}

export interface CliDeps {
  version: string;
  io: CliIo;
  commands: CliCommands;
}
