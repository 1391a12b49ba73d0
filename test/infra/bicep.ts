/**
 * A small Bicep text reader, enough for the static checks of infra/ (there is no Bicep compiler here). It knows:
 * comments, the three string forms ('…' with \' escapes and ${…} interpolation, '''…''' verbatim), brace/bracket
 * nesting, and the declarations `param`, `var`, `output`, `resource`, `module` with their decorators.
 * It does not type-check or evaluate Bicep; the checks built on it look at structure and literal values.
 */

export type BicepFiles = ReadonlyMap<string, string>;

/** Replaces comments with spaces (keeping every offset and newline), leaving strings untouched. */
export function stripComments(text: string): string {
  const out = text.split("");
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  while (i < text.length) {
    if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      i = end < 0 ? text.length : end + 3;
    } else if (text[i] === "'") {
      i = skipString(text, i);
    } else if (text.startsWith("//", i)) {
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      blank(i, stop);
      i = stop;
    } else {
      i++;
    }
  }
  return out.join("");
}

/** Index just past the single-quoted string starting at `start` (handles \' and nested ${ … 'x' … }). */
function skipString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\") {
      i += 2;
    } else if (c === "'") {
      return i + 1;
    } else if (c === "$" && text[i + 1] === "{") {
      i = skipBalanced(text, i + 1);
    } else {
      i++;
    }
  }
  throw new Error(`unterminated string at offset ${start}`);
}

/** Index just past the bracket (`{`, `[` or `(`) that opens at `open`, skipping strings. */
export function skipBalanced(text: string, open: number): number {
  const pairs: Record<string, string> = { "{": "}", "[": "]", "(": ")" };
  const stack: string[] = [];
  let i = open;
  while (i < text.length) {
    if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      if (end < 0) throw new Error(`unterminated ''' string at offset ${i}`);
      i = end + 3;
      continue;
    }
    const c = text[i] ?? "";
    if (c === "'") {
      i = skipString(text, i);
      continue;
    }
    if (c in pairs) stack.push(pairs[c] ?? "");
    else if (c === "}" || c === "]" || c === ")") {
      if (stack.pop() !== c) throw new Error(`unbalanced '${c}' at offset ${i}`);
      if (stack.length === 0) return i + 1;
    }
    i++;
  }
  throw new Error(`unclosed bracket opened at offset ${open}`);
}

export interface Declaration {
  kind: "param" | "var" | "output" | "resource" | "module";
  name: string;
  /** param/output: the declared type; resource: 'Type@version'; module: the path. */
  type: string;
  /** The decorators written above the declaration, e.g. "@secure()". */
  decorators: string[];
  /** The text after `=` (or after the type for a param without default), up to the end of the declaration. */
  value: string;
  /** Offset of the declaration keyword in the comment-free text. */
  offset: number;
  /** Nesting depth (0 = top level; child resources are deeper). */
  depth: number;
  /** A resource declared with `existing`. */
  existing: boolean;
  /** Whether the declaration has `= …` (for a param: a default value). */
  assigned: boolean;
}

const DECLARATION =
  /^([ \t]*)(param|var|output|resource|module)[ \t]+([A-Za-z_]\w*)[ \t]*(?:'([^']*)'|([A-Za-z_][\w.]*\??(?:\[\])?))?[ \t]*(existing[ \t]*)?(=)?/gm;

/** Every declaration of a Bicep file, nested child resources included. */
export function declarations(source: string): Declaration[] {
  const text = stripComments(source);
  const found: Declaration[] = [];
  for (const match of text.matchAll(DECLARATION)) {
    const offset = (match.index ?? 0) + (match[1]?.length ?? 0);
    if (insideString(text, offset)) continue;
    const kind = match[2] as Declaration["kind"];
    const name = match[3] ?? "";
    const type = match[4] ?? match[5] ?? "";
    const afterHead = (match.index ?? 0) + match[0].length;
    const value = readValue(text, afterHead);
    found.push({
      kind,
      name,
      type,
      decorators: decoratorsAbove(text, offset),
      value,
      offset,
      depth: depthAt(text, offset),
      existing: match[6] !== undefined,
      assigned: match[7] !== undefined,
    });
  }
  return found;
}

/** The expression starting at `from`: up to the end of the line, extended over any bracket or ''' it opens. */
function readValue(text: string, from: number): string {
  let i = from;
  while (i < text.length && text[i] !== "\n") {
    if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      i = end < 0 ? text.length : end + 3;
    } else if (text[i] === "'") {
      i = skipString(text, i);
    } else if (text[i] === "{" || text[i] === "[" || text[i] === "(") {
      i = skipBalanced(text, i);
    } else {
      i++;
    }
  }
  return text.slice(from, i).trim();
}

function decoratorsAbove(text: string, offset: number): string[] {
  const lines = text.slice(0, offset).split("\n");
  lines.pop(); // the declaration's own line
  const decorators: string[] = [];
  let pending = "";
  while (lines.length > 0) {
    const line = (lines.pop() ?? "").trim();
    // Directly above a declaration (or above its topmost decorator) is either a decorator, the last line of a
    // multi-line decorator (it ends with ")"), or something else that ends the search.
    if (pending === "" && !line.startsWith("@") && !line.endsWith(")")) break;
    // a line that starts another declaration is never inside a decorator
    if (/^(param|var|output|resource|module|targetScope|type|func|import|metadata)\b/.test(line)) break;
    pending = pending === "" ? line : `${line}\n${pending}`;
    if (line.startsWith("@")) {
      decorators.unshift(pending);
      pending = "";
    }
  }
  return decorators;
}

function depthAt(text: string, offset: number): number {
  let depth = 0;
  let i = 0;
  while (i < offset) {
    if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      i = end < 0 ? text.length : end + 3;
      continue;
    }
    const c = text[i];
    if (c === "'") {
      i = skipString(text, i);
      continue;
    }
    if (c === "{" || c === "[" || c === "(") depth++;
    else if (c === "}" || c === "]" || c === ")") depth--;
    i++;
  }
  return depth;
}

function insideString(text: string, offset: number): boolean {
  let i = 0;
  while (i < offset) {
    if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      const stop = end < 0 ? text.length : end + 3;
      if (offset < stop) return true;
      i = stop;
    } else if (text[i] === "'") {
      const stop = skipString(text, i);
      if (offset < stop) return true;
      i = stop;
    } else {
      i++;
    }
  }
  return false;
}

/** The `{ … }` body of a resource/module/object value (the first object literal in `value`). */
export function objectBody(value: string): string {
  const start = value.indexOf("{");
  if (start < 0) return "";
  return value.slice(start, skipBalanced(value, start));
}

export interface Property {
  key: string;
  value: string;
}

/** The top-level properties of an object literal `{ … }` (keys may be identifiers or quoted). */
export function properties(body: string): Property[] {
  const text = body.trim();
  if (!text.startsWith("{")) return [];
  const inner = text.slice(1, skipBalanced(text, 0) - 1);
  const props: Property[] = [];
  let i = 0;
  while (i < inner.length) {
    while (i < inner.length && /[\s,]/.test(inner[i] ?? "")) i++;
    if (i >= inner.length) break;
    const rest = inner.slice(i);
    const keyMatch = /^(?:'((?:[^'\\]|\\.)*)'|([A-Za-z_$][\w$]*))\s*:/.exec(rest);
    if (!keyMatch) {
      // not a property (e.g. a nested resource declaration): skip the line, with anything it opens
      const value = readValue(inner, i);
      i += Math.max(1, inner.slice(i).indexOf(value) + value.length);
      continue;
    }
    const key = keyMatch[1] ?? keyMatch[2] ?? "";
    const valueStart = i + keyMatch[0].length;
    const value = readValue(inner, valueStart);
    props.push({ key, value });
    i = valueStart + (inner.slice(valueStart).indexOf(value) + value.length);
  }
  return props;
}

/** The value of the property at `path` (e.g. ["properties", "filter", "includedEventTypes"]), or null. */
export function propertyAt(body: string, path: readonly string[]): string | null {
  let current = body;
  for (const key of path) {
    const prop = properties(current).find((p) => p.key === key);
    if (!prop) return null;
    current = prop.value;
  }
  return current;
}

/** The items of an array literal `[ … ]` (newline- or comma-separated), as raw expressions. */
export function arrayItems(value: string): string[] {
  const text = value.trim();
  if (!text.startsWith("[")) return [];
  const inner = text.slice(1, skipBalanced(text, 0) - 1);
  const items: string[] = [];
  let i = 0;
  while (i < inner.length) {
    while (i < inner.length && /[\s,]/.test(inner[i] ?? "")) i++;
    if (i >= inner.length) break;
    let j = i;
    while (j < inner.length && inner[j] !== "\n" && inner[j] !== ",") {
      if (inner[j] === "'") j = skipString(inner, j);
      else if (inner[j] === "{" || inner[j] === "[" || inner[j] === "(") j = skipBalanced(inner, j);
      else j++;
    }
    const item = inner.slice(i, j).trim();
    if (item) items.push(item);
    i = j + 1;
  }
  return items;
}

/** The literal value of a plain single-quoted Bicep string ('…' without interpolation), or null. */
export function stringLiteral(expr: string): string | null {
  const m = /^'((?:[^'\\$]|\\.|\$(?!\{))*)'$/.exec(expr.trim());
  return m ? unescapeBicep(m[1] ?? "") : null;
}

function unescapeBicep(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => ({ n: "\n", r: "\r", t: "\t" })[c] ?? c);
}

/**
 * Resolves a string expression: a '…' string whose ${…} parts are names in `scope` (vars or dotted paths such as
 * roles.AcrPull). Throws on anything else, so a check never passes on a value it could not read.
 */
export function resolveString(expr: string, scope: (name: string) => string | null): string {
  const text = expr.trim();
  if (/^[A-Za-z_][\w.]*$/.test(text)) {
    const v = scope(text);
    if (v === null) throw new Error(`cannot resolve ${text}`);
    return v;
  }
  if (!text.startsWith("'") || skipString(text, 0) !== text.length) throw new Error(`not a string: ${text}`);
  let out = "";
  let i = 1;
  while (i < text.length - 1) {
    const c = text[i] ?? "";
    if (c === "\\") {
      out += unescapeBicep(text.slice(i, i + 2));
      i += 2;
    } else if (c === "$" && text[i + 1] === "{") {
      const end = skipBalanced(text, i + 1);
      out += resolveString(text.slice(i + 2, end - 1), scope);
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** A scope for resolveString over a file's `var` declarations plus a JSON object bound to a name (e.g. roles). */
export function stringScope(source: string, bindings: Record<string, Record<string, string>> = {}) {
  const vars = new Map(
    declarations(source)
      .filter((d) => d.kind === "var")
      .map((d) => [d.name, d.value]),
  );
  const lookup = (name: string): string | null => {
    const [head, ...rest] = name.split(".");
    if (head !== undefined && rest.length === 1 && bindings[head]) return bindings[head][rest[0] ?? ""] ?? null;
    const value = vars.get(name);
    return value === undefined ? null : resolveString(value, lookup);
  };
  return lookup;
}

/** `resource` declarations with their type split into type and api-version. */
export function resources(source: string) {
  return declarations(source)
    .filter((d) => d.kind === "resource")
    .map((d) => {
      const [type, apiVersion] = d.type.split("@");
      return { ...d, resourceType: type ?? "", apiVersion: apiVersion ?? null };
    });
}
