/**
 * The function app's deadline per fix (runtime.ts INVOCATION_MS) stays below what the host allows: host.json's
 * functionTimeout, and the 230 seconds an HTTP-triggered function has to answer ("Function app timeout duration",
 * learn.microsoft.com/azure/azure-functions/functions-scale#timeout).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { INVOCATION_MS } from "../../src/app/runtime.js";

function functionTimeoutMs(): number {
  const host = JSON.parse(readFileSync(join(import.meta.dirname, "../../host.json"), "utf8")) as {
    functionTimeout?: string;
  };
  const [h, m, s] = (host.functionTimeout ?? "").split(":").map(Number);
  return ((h ?? Number.NaN) * 3600 + (m ?? Number.NaN) * 60 + (s ?? Number.NaN)) * 1000;
}

describe("the invocation deadline", () => {
  it("is below host.json's functionTimeout and the HTTP trigger's 230 s", () => {
    const timeout = functionTimeoutMs();
    expect(timeout).toBe(10 * 60_000);
    expect(INVOCATION_MS).toBeLessThan(timeout);
    expect(INVOCATION_MS).toBeLessThan(230_000);
  });
});
