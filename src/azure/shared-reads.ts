/**
 * Reads shared by every app of one run (a sweep): what does not depend on the app being read (an environment, a
 * user-assigned identity, the role assignments at a registry or of a principal, the registry index, role
 * definitions) is read once per run, and an app the run already listed is not read again. Outside a run every read
 * is its own.
 *
 * A read that throws (a transient failure) is forgotten, so the next app tries again; NotFound and Unreadable
 * answers are kept like any other.
 *
 *   const shared = createSharedReads();
 *   shared.seed(`app:${id}`, listedApp);                       // from the list the sweep made
 *   await shared.once(`environment:${id}`, () => readEnvironment(id));
 */
export interface SharedReads {
  /** The value of `read()` for `key`, read at most once (concurrent callers share the read in flight). */
  once<T>(key: string, read: () => Promise<T>): Promise<T>;
  /** Records a value read another way (an app from the list of its subscription). */
  seed(key: string, value: unknown): void;
  /** Whether `key` was read or seeded. */
  has(key: string): boolean;
}

export function createSharedReads(): SharedReads {
  const values = new Map<string, Promise<unknown>>();
  return {
    once<T>(key: string, read: () => Promise<T>): Promise<T> {
      const k = key.toLowerCase();
      const known = values.get(k);
      if (known) return known as Promise<T>;
      const promise = read();
      values.set(k, promise);
      promise.catch(() => {
        if (values.get(k) === promise) values.delete(k);
      });
      return promise;
    },
    seed(key, value) {
      values.set(key.toLowerCase(), Promise.resolve(value));
    },
    has: (key) => values.has(key.toLowerCase()),
  };
}
