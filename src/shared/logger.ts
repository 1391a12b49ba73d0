/**
 * Structured logging with the trigger's identifiers (event id, correlation id, invocation id) on every line and every
 * string redacted (src/core/redact.ts). The sink is injected: the Functions context, stderr for the CLI, an array
 * in tests.
 */
import { redact, redactDeep } from "../core/redact.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;
export type LogSink = (level: LogLevel, line: string) => void;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds these fields to every line. */
  with(fields: LogFields): Logger;
}

export function createLogger(sink: LogSink, base: LogFields = {}): Logger {
  const write = (level: LogLevel, message: string, fields?: LogFields) => {
    const all = { ...base, ...fields };
    const suffix = Object.keys(all).length > 0 ? ` ${JSON.stringify(redactDeep(all))}` : "";
    sink(level, `${redact(message)}${suffix}`);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    with: (fields) => createLogger(sink, { ...base, ...fields }),
  };
}

export const silentLogger: Logger = createLogger(() => undefined);
