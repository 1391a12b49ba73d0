/**
 * One fix of an app at a time in this process: a duplicate delivery arriving while the first is being handled waits
 * for it, then reads the app again and finds nothing left to do (instead of sending the same writes twice).
 *
 *   const lock = createAppLock();
 *   await Promise.all([lock.run(id, fixIt), lock.run(id, fixIt)]); // the second starts when the first has settled
 */

export interface AppLock {
  /** Runs `work` after every earlier work on the same app (case-insensitive ID) has settled, failed or not. */
  run<T>(appId: string, work: () => Promise<T>): Promise<T>;
}

export function createAppLock(): AppLock {
  const queues = new Map<string, Promise<unknown>>();
  return {
    run<T>(appId: string, work: () => Promise<T>): Promise<T> {
      const key = appId.toLowerCase();
      const running = (queues.get(key) ?? Promise.resolve()).then(work, work);
      const settled = running.then(
        () => undefined,
        () => undefined,
      );
      queues.set(key, settled);
      void settled.then(() => {
        if (queues.get(key) === settled) queues.delete(key);
      });
      return running;
    },
  };
}
