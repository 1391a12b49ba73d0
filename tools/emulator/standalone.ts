/**
 * `pullguard emulator --world <file>`: runs the emulator on its own and prints the dev-only settings that point the
 * CLI and the function app (`func start`) at it. Runs until SIGINT or SIGTERM.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devSettings } from "./dev-settings.js";
import { startEmulator } from "./index.js";

export async function runStandalone(options: { world: unknown; worldFile: string; port?: number }): Promise<void> {
  const emulator = await startEmulator(options.world, options.port !== undefined ? { port: options.port } : {});
  const dir = await mkdtemp(join(tmpdir(), "pullguard-emulator-"));
  const caFile = join(dir, "emulator-ca.pem");
  await writeFile(caFile, emulator.caPem);
  const settings = devSettings(emulator, caFile);
  const lines = [
    `PullGuard emulator serving ${options.worldFile} at ${emulator.endpoint} (ARM) and *.azurecr.io on the same port.`,
    "Point the CLI or the function app at it with these settings (dev only; never set them in Azure):",
    "",
    ...Object.entries(settings.env).map(([name, value]) => `${name}=${value}`),
    "",
    "Press Ctrl+C to stop.",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await emulator.stop();
  await rm(dir, { recursive: true, force: true });
}
