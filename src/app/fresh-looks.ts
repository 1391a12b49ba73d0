/**
 * Coalesces the looks a burst of ARM events asks for. An event only says "something changed at eventTime"; a look
 * (a read, or read → diagnose → fix) that started after that time already reflects the change, so the event is
 * answered by that look instead of starting another. A storm of thousands of events (duplicates, fan-out events
 * about a registry many apps pull from) then costs about one look per app, not one per event.
 *
 * Per key (an app, a subscription's app list) there is at most one look in flight and one queued behind it:
 *   - a look that started at least `skewMs` after the event's time (in flight, or done and succeeded) answers it;
 *   - otherwise the queued look does (it starts after the one in flight ends, so after the event arrived);
 *   - otherwise a new look starts (queued behind the one in flight, if any).
 * A look that failed answers nobody later (a retried event reads again). An event time that is missing, more than
 * `maxAgeMs` old or later than now (another clock: the emulator's) is not trusted: such an event joins only a queued
 * look. Nothing is delayed: coalescing only ever removes looks. Looks are coalesced within one process; the fixes
 * stay idempotent across instances.
 *
 *   const looks = createFreshLooks({ now: () => new Date() });
 *   const { value, joined } = await looks.after(`app:${appId}`, eventTime, () => handleApp(appId));
 */

export interface FreshLooks {
  after<T>(key: string, since: Date | null, look: () => Promise<T>): Promise<{ value: T; joined: boolean }>;
}

export interface FreshLooksOptions {
  now: () => Date;
  /** How much later than the event a look must start to answer it (clock skew, read-after-write). Default 1 s. */
  skewMs?: number;
  /** Event times older than this are not trusted, and done looks are forgotten after it. Default 15 minutes. */
  maxAgeMs?: number;
}

interface Started {
  startedAt: number;
  promise: Promise<unknown>;
  /** null while in flight. */
  ok: boolean | null;
}

interface Queued {
  promise: Promise<unknown>;
}

interface Entry {
  current?: Started;
  next?: Queued;
}

export function createFreshLooks(options: FreshLooksOptions): FreshLooks {
  const skewMs = options.skewMs ?? 1_000;
  const maxAgeMs = options.maxAgeMs ?? 15 * 60_000;
  const entries = new Map<string, Entry>();
  let lastPrune = 0;

  function prune(now: number): void {
    if (now - lastPrune < 60_000) return;
    lastPrune = now;
    for (const [key, entry] of entries) {
      if (!entry.next && entry.current?.ok !== null && now - (entry.current?.startedAt ?? 0) > maxAgeMs) {
        entries.delete(key);
      }
    }
  }

  /** The event time when it can be compared with our clock; null otherwise. */
  function trusted(since: Date | null, now: number): number | null {
    const t = since?.getTime();
    if (t === undefined || Number.isNaN(t)) return null;
    return t <= now && now - t <= maxAgeMs ? t : null;
  }

  /** Queues a look behind the one in flight (it starts at once when none is). */
  function queue(entry: Entry, look: () => Promise<unknown>): Queued {
    const before = entry.current?.promise;
    const queued: Queued = { promise: Promise.resolve() };
    entry.next = queued;
    queued.promise = (async () => {
      if (before) await before.catch(() => undefined);
      if (entry.next === queued) entry.next = undefined;
      const started: Started = { startedAt: options.now().getTime(), promise: Promise.resolve(), ok: null };
      entry.current = started;
      started.promise = look();
      try {
        const value = await started.promise;
        started.ok = true;
        return value;
      } catch (error) {
        started.ok = false;
        throw error;
      }
    })();
    return queued;
  }

  return {
    async after<T>(key: string, since: Date | null, look: () => Promise<T>) {
      const now = options.now().getTime();
      prune(now);
      let entry = entries.get(key);
      if (!entry) {
        entry = {};
        entries.set(key, entry);
      }
      const t = trusted(since, now);
      const current = entry.current;
      if (t !== null && current && current.ok !== false && current.startedAt >= t + skewMs) {
        return { value: (await current.promise) as T, joined: true };
      }
      if (entry.next) return { value: (await entry.next.promise) as T, joined: true };
      const queued = queue(entry, look);
      return { value: (await queued.promise) as T, joined: false };
    },
  };
}
