/**
 * Fault injection, seeded so runs repeat: latency with jitter, 429 with Retry-After, 500/503, connection resets, and
 * lost replies: `lost-reply` applies the request and then resets the connection instead of answering. It models a
 * reply lost after ARM applied the write (a dropped connection or a client timeout on the way back); it rests on no
 * source beyond that: a reset before the request is read and a reset after it is applied look alike to the client.
 * A rule selects requests by plane, method and path pattern, applies to a fraction of them, and may stop after a
 * number of hits.
 */
import { seededRandom } from "./random.js";

export interface FaultRule {
  kind: "latency" | "429" | "500" | "503" | "reset" | "lost-reply";
  plane?: "arm" | "data";
  method?: string;
  path?: RegExp;
  /** 0..1 of the matching requests (default 1). */
  fraction?: number;
  /** Stop after this many injections. */
  count?: number;
  latencyMs?: number;
  jitterMs?: number;
  retryAfterSeconds?: number;
}

export type FaultDecision =
  | { kind: "none"; delayMs: number }
  | { kind: "status"; status: number; retryAfterSeconds?: number; delayMs: number }
  | { kind: "reset"; delayMs: number }
  | { kind: "lost-reply"; delayMs: number };

export interface Faults {
  add(rule: FaultRule): void;
  clear(): void;
  reseed(seed: number): void;
  decide(request: { plane: "arm" | "data"; method: string; path: string }): FaultDecision;
  /** How many faults were injected, by kind. */
  injected(): Record<string, number>;
}

export function createFaults(seed = 1): Faults {
  let random = seededRandom(seed);
  let rules: Array<FaultRule & { hits: number }> = [];
  let counts: Record<string, number> = {};
  return {
    add: (rule) => {
      rules.push({ ...rule, hits: 0 });
    },
    clear: () => {
      rules = [];
      counts = {};
    },
    reseed: (s) => {
      random = seededRandom(s);
    },
    injected: () => ({ ...counts }),
    decide: (request) => {
      let delayMs = 0;
      for (const rule of rules) {
        if (rule.plane && rule.plane !== request.plane) continue;
        if (rule.method && rule.method.toUpperCase() !== request.method.toUpperCase()) continue;
        if (rule.path && !rule.path.test(request.path)) continue;
        if (rule.count !== undefined && rule.hits >= rule.count) continue;
        if (random() >= (rule.fraction ?? 1)) continue;
        rule.hits++;
        counts[rule.kind] = (counts[rule.kind] ?? 0) + 1;
        if (rule.kind === "latency") {
          delayMs += (rule.latencyMs ?? 0) + Math.round((random() * 2 - 1) * (rule.jitterMs ?? 0));
          continue;
        }
        if (rule.kind === "reset" || rule.kind === "lost-reply") return { kind: rule.kind, delayMs };
        return {
          kind: "status",
          status: Number(rule.kind),
          delayMs,
          ...(rule.kind === "429" ? { retryAfterSeconds: rule.retryAfterSeconds ?? 1 } : {}),
        };
      }
      return { kind: "none", delayMs: Math.max(0, delayMs) };
    },
  };
}
