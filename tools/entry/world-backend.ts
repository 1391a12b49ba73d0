/**
 * The `--world <file>` backend: the emulator started in-process from a world file. Only the endpoint, credential,
 * HTTP client and clock differ from real Azure; the same product code runs.
 */
import { readFile } from "node:fs/promises";
import type { OpenedBackend } from "../../src/cli/commands/session.js";
import { CouldNotRunError } from "../../src/cli/errors.js";
import type { Emulator } from "../emulator/index.js";

export async function readWorldFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new CouldNotRunError(
      `cannot read the world file ${file}: ${(error as Error).message}`,
      "check the path (see docs/worlds.md)",
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CouldNotRunError(
      `the world file ${file} is not valid JSON: ${(error as Error).message}`,
      "fix the JSON (see docs/worlds.md)",
    );
  }
}

export async function openWorldBackend(file: string): Promise<OpenedBackend> {
  const world = await readWorldFile(file);
  // Loaded on demand: the emulator (and its dev-only certificate library) is only needed with --world.
  const { startEmulator } = await import("../emulator/index.js");
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator(world);
  } catch (error) {
    throw new CouldNotRunError(
      `the world file ${file} could not be loaded: ${(error as Error).message}`,
      "fix the world (see docs/worlds.md)",
    );
  }
  return emulatorSession(emulator);
}

/** A CLI session on a running emulator: its endpoint, credential, HTTP client and clock; closing stops it. */
export function emulatorSession(emulator: Emulator): OpenedBackend {
  return {
    backend: { endpoint: emulator.endpoint, credential: emulator.credential, httpClient: emulator.httpClient },
    now: () => emulator.clock.now(),
    // The emulator's clock is moved forward instead of waited for; a moment of real time lets its work settle.
    sleep: async (ms) => {
      emulator.clock.advance(ms);
      await new Promise((resolve) => setTimeout(resolve, 5));
    },
    subscriptions: emulator.state.tenants.flatMap((t) => t.subscriptions),
    close: () => emulator.stop(),
  };
}
