/**
 * Evaluates the few Bicep expressions infra/ builds names and the alert query with, as Bicep would at compile time:
 * string literals ('…' with ${…}, and '''…''' verbatim), vars, params bound by the caller, property access,
 * loadJsonContent(), replace(), take(), toLower(), join(), map() with a one-parameter lambda. Anything else throws,
 * so an expression built another way fails the check that evaluates it instead of passing unread.
 */
import { posix } from "node:path";
import { type BicepFiles, declarations, resolveString, skipBalanced } from "./bicep.js";
import { callArguments } from "./checks.js";

export type BicepValue = string | number | BicepValue[] | { [key: string]: BicepValue };

export interface EvalContext {
  /** The file the expression is in (loadJsonContent paths are relative to it). */
  path: string;
  files: BicepFiles;
  /** Params and lambda variables. */
  bindings: Record<string, BicepValue>;
}

const FUNCTIONS = ["loadJsonContent", "replace", "take", "toLower", "join", "map"] as const;

function asString(v: BicepValue, what: string): string {
  if (typeof v !== "string") throw new Error(`${what} is not a string`);
  return v;
}

function member(value: BicepValue, path: string[], expr: string): BicepValue {
  let v = value;
  for (const key of path) {
    if (typeof v !== "object" || Array.isArray(v) || !(key in v)) throw new Error(`${expr}: no property ${key}`);
    v = (v as Record<string, BicepValue>)[key] as BicepValue;
  }
  return v;
}

export function evaluateBicep(expr: string, ctx: EvalContext): BicepValue {
  const source = ctx.files.get(ctx.path) ?? "";
  const vars = new Map(
    declarations(source)
      .filter((d) => d.kind === "var")
      .map((d) => [d.name, d.value]),
  );
  const evaluate = (e: string, bindings: Record<string, BicepValue>): BicepValue => {
    const text = e.trim();
    const path = /^([A-Za-z_]\w*)((?:\.\w+)*)$/.exec(text);
    if (path) {
      const [head, rest] = [path[1] ?? "", (path[2] ?? "").split(".").filter(Boolean)];
      if (head in bindings) return member(bindings[head] as BicepValue, rest, text);
      const value = vars.get(head);
      if (value === undefined) throw new Error(`cannot evaluate ${head}`);
      return member(evaluate(value, ctx.bindings), rest, text); // a var sees the params, not lambda variables
    }
    if (/^\d+$/.test(text)) return Number(text);
    if (text.startsWith("'''")) {
      if (!text.endsWith("'''") || text.length < 6) throw new Error("unterminated multi-line string");
      return text.slice(3, -3).replace(/^\r?\n/, "");
    }
    const call = /^(\w+)\(/.exec(text);
    if (call) {
      const fn = call[1] ?? "";
      if (!(FUNCTIONS as readonly string[]).includes(fn)) throw new Error(`function ${fn} is not supported`);
      if (skipBalanced(text, fn.length) !== text.length) throw new Error(`trailing text after ${fn}(...)`);
      const args = callArguments(text, fn) ?? [];
      const arg = (i: number) => evaluate(args[i] ?? "", bindings);
      switch (fn) {
        case "loadJsonContent": {
          const file = posix.normalize(posix.join(posix.dirname(ctx.path), asString(arg(0), "path")));
          const json = ctx.files.get(file);
          if (json === undefined) throw new Error(`loadJsonContent: no file ${file}`);
          return JSON.parse(json) as BicepValue;
        }
        case "replace":
          return asString(arg(0), "replace input")
            .split(asString(arg(1), "replace old"))
            .join(asString(arg(2), "replace new"));
        case "take":
          return asString(arg(0), "take input").slice(0, Number(arg(1)));
        case "toLower":
          return asString(arg(0), "toLower input").toLowerCase();
        case "join": {
          const list = arg(0);
          if (!Array.isArray(list)) throw new Error("join: not an array");
          return list.map((x) => asString(x, "join item")).join(asString(arg(1), "join separator"));
        }
        default: {
          const list = arg(0);
          const lambda = /^(\w+)\s*=>\s*([\s\S]+)$/.exec((args[1] ?? "").trim());
          if (!Array.isArray(list) || !lambda) throw new Error("map: needs an array and a one-parameter lambda");
          return list.map((item) => evaluate(lambda[2] ?? "", { ...bindings, [lambda[1] ?? ""]: item }));
        }
      }
    }
    return resolveString(text, (name) => {
      const v = evaluate(name, bindings);
      return typeof v === "string" || typeof v === "number" ? String(v) : null;
    });
  };
  return evaluate(expr, ctx.bindings);
}
