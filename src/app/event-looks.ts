/**
 * Coalescing of ARM events: an event is answered by a look (a list, or a fix of an app) that started after the
 * event's change when there is one (fresh-looks.ts), and its reads run in a run shared with other fresh events
 * (azure-access.ts `inRun`). Off (`coalesceEvents: false`), every event looks on its own.
 */
import type { FlowDeps } from "./flow-deps.js";
import { createFreshLooks } from "./fresh-looks.js";

export interface EventLooks {
  /** `look()`, or the result of one that started after the event's change (`since`; undefined: not an event). */
  fresh<T>(key: string, since: Date | null | undefined, look: () => Promise<T>): Promise<{ value: T; joined: boolean }>;
  /** Runs an event's work so that its reads are shared with the looks of other events when fresh enough. */
  inEventRun<T>(since: Date | null, work: () => Promise<T>): Promise<T>;
}

export function createEventLooks(deps: Pick<FlowDeps, "now" | "inRun" | "coalesceEvents">): EventLooks {
  const looks = deps.coalesceEvents === false ? null : createFreshLooks({ now: deps.now });
  return {
    async fresh(key, since, look) {
      if (!looks || since === undefined) return { value: await look(), joined: false };
      return looks.after(key, since, look);
    },
    inEventRun(since, work) {
      return looks && deps.inRun ? deps.inRun(work, { since }) : work();
    },
  };
}
