/**
 * What a CLI command runs against: a backend (real Azure, or the emulator started in-process for --world), its
 * clock, and the clients built on it. Opened once per command and closed at the end.
 */
import type { Backend } from "../../azure/backend.js";
import type { Settings } from "../../config.js";

export interface BackendFlags {
  world?: string;
  subscription?: string;
}

export interface OpenedBackend {
  backend: Backend;
  /** The backend's clock: real time against Azure, the emulator's clock under --world. */
  now(): Date;
  /** Waits on that clock (the emulator's clock is moved forward rather than waited for). */
  sleep(ms: number): Promise<void>;
  /** Subscriptions the world holds (under --world), to look for apps and registries. */
  subscriptions: string[];
  close(): Promise<void>;
}

export type OpenBackend = (flags: BackendFlags, settings: Settings) => Promise<OpenedBackend>;
