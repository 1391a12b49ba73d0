/**
 * Small pieces the fact readers share: wrapping a value as a found Read, reads that start once per
 * key, and parsing a raw body that may not be JSON.
 */

/** A read to start in the next wave. */
export type ReadTask = () => Promise<unknown>;

export const found = <T extends object>(value: T): T & { readable: true; found: true } => ({
  ...value,
  readable: true,
  found: true,
});

/** `once(key, task)` is `[task]` the first time a key is seen, `[]` after: each read is planned once. */
export function onceEach(): (key: string, task: ReadTask) => ReadTask[] {
  const started = new Set<string>();
  return (key, task) => {
    if (started.has(key)) return [];
    started.add(key);
    return [task];
  };
}

/** A raw body as JSON; null when there is none or it is not JSON. */
export function parseJsonOrNull(text: string | null | undefined): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError) return null;
    throw error;
  }
}
