/** The emulator's clock: starts at the world's `now`, advances with real time, and tests can move it forward. */
import type { Clock } from "./state.js";

export function createClock(start: Date): Clock {
  const realStart = Date.now();
  let offset = 0;
  return {
    now: () => new Date(start.getTime() + (Date.now() - realStart) + offset),
    advance: (ms: number) => {
      offset += ms;
    },
  };
}
