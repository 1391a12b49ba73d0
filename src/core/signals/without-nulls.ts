/**
 * Azure sends `null` for a field it has no value for (budget alerts: `alertRule`, `signalType`, `alertTargetIDs`;
 * Log Alerts V1 and service-health payloads: `properties`, `claims`, `httpRequest`): spec/events.md v2 reads a `null`
 * field as absent. This drops the object properties whose value is null, so one optional schema covers both.
 *
 * Example: `{ essentials: { alertRule: null, severity: "Sev4" } }` → `{ essentials: { severity: "Sev4" } }`.
 */

/** Deeper than any payload Azure sends; below it values are returned as they are (the schema then decides). */
const MAX_DEPTH = 32;

export function withoutNulls(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => withoutNulls(item, depth + 1));
  // Object.fromEntries defines own properties: a "__proto__" key in the JSON stays data, never a prototype.
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v, depth + 1)]),
  );
}
