/** `pullguard emulator --world <file> [--port N]`: the emulator on its own, until interrupted. */
import type { CliIo, CommandOptions } from "../../src/cli/deps.js";
import { CouldNotRunError, UsageError } from "../../src/cli/errors.js";
import { EXIT, type ExitCode } from "../../src/cli/exit-codes.js";
import { readWorldFile } from "./world-backend.js";

export async function runEmulatorCommand(opts: CommandOptions, _io: CliIo): Promise<ExitCode> {
  const worldFile = typeof opts.world === "string" ? opts.world : "";
  if (!worldFile) throw new UsageError("--world <file> is required (see docs/worlds.md)");
  let port: number | undefined;
  if (opts.port !== undefined) {
    port = Number(opts.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UsageError(`--port ${JSON.stringify(opts.port)} is not a port number; expected 1-65535`);
    }
  }
  const world = await readWorldFile(worldFile);
  const { runStandalone } = await import("../emulator/standalone.js");
  try {
    await runStandalone({ world, worldFile, ...(port !== undefined ? { port } : {}) });
  } catch (error) {
    throw new CouldNotRunError(
      `the emulator could not start with ${worldFile}: ${(error as Error).message}`,
      "fix the world file (see docs/worlds.md) or choose a free --port",
    );
  }
  return EXIT.ok;
}
