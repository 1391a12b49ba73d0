/**
 * Reading raw ARM JSON (a GET's body, a request body) without trusting its shape: a path that runs into anything but
 * an object yields undefined.
 *
 * Example: valueAt({ properties: { policies: null } }, "properties", "policies", "quarantinePolicy") → undefined.
 */
export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function valueAt(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const key of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}
