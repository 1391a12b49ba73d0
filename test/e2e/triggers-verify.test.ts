/**
 * End to end through the queue trigger: a fix schedules its verification as a `pullguard-verify` message with a
 * visibility delay (PULLGUARD_VERIFY_DELAY_SECONDS, 5 s here: the shortest allowed); the message is taken from
 * Azurite as the host would take it and handed to the real `verifyFix`, which finishes the verification and sends the
 * follow-up, or makes the restart a propagating grant was waiting for.
 */
import { describe, expect, it } from "vitest";
import {
  brokenOrdersWorld,
  byDeveloper,
  cardText,
  type Host,
  invocation,
  ORDERS_API,
  readFixture,
  useFunctionHost,
  writesBy,
} from "../functions/harness.js";

const harness = useFunctionHost();

async function fixThroughEvent(h: Host) {
  const event = byDeveloper(readFixture("events/arm-write-failure.eventgrid.json"));
  const outcome = await harness.handlers.onResourceEvent(event as never, invocation("onResourceEvent").context);
  expect(outcome).toMatchObject({ outcome: "handled", apps: [{ appId: ORDERS_API, action: "fixed" }] });
  expect(await queued(h)).toBe(1);
}

const queued = async (h: Host) => (await h.queue.getProperties()).approximateMessagesCount ?? 0;
const verify = (message: unknown) => harness.handlers.verifyFix(message, invocation("verifyFix").context);

describe("queue verification against the emulator", () => {
  it("fix → scheduled message → verifyFix: resolved, one follow-up; the message delivered again writes nothing", async () => {
    const host = await harness.open(brokenOrdersWorld());
    await fixThroughEvent(host);
    expect(host.sink.received).toHaveLength(1);

    const [message] = await host.receiveVerifications(1);
    expect(message).toMatchObject({
      appId: ORDERS_API,
      attempt: 1,
      auditIds: [expect.any(String), expect.any(String)],
    });
    const outcome = await verify(message);
    expect(outcome).toMatchObject({ outcome: "handled", apps: [{ appId: ORDERS_API, action: "verified: resolved" }] });
    expect(host.sink.received).toHaveLength(2);
    expect(cardText(host.sink.received[1] ?? {})).toMatch(/resolved|healthy|running/i);
    expect(host.latestRevision(ORDERS_API)).toMatchObject({ runningState: "Running", healthState: "Healthy" });

    const writes = writesBy(host);
    await verify(message);
    expect(writesBy(host)).toBe(writes);
    expect(await queued(host)).toBe(0);
  });

  it("a grant that takes 10 minutes to work: the verification restarts the revision once it has, and re-schedules", async () => {
    const host = await harness.open({ ...brokenOrdersWorld(), propagationDelaySeconds: 600 });
    await fixThroughEvent(host);
    expect(host.latestRevision(ORDERS_API).healthState).toBe("Unhealthy");
    const restartsBefore = host.emulator.log.writes().filter((w) => /\/restart/.test(w.path)).length;

    const [message] = await host.receiveVerifications(1);
    host.emulator.clock.advance(10 * 60_000);
    const outcome = await verify(message);
    expect(outcome).toMatchObject({ outcome: "handled", apps: [{ action: "verification-rescheduled" }] });
    expect(host.emulator.log.writes().filter((w) => /\/restart/.test(w.path))).toHaveLength(restartsBefore + 1);
    expect(host.latestRevision(ORDERS_API)).toMatchObject({ runningState: "Running", healthState: "Healthy" });
    expect(await queued(host)).toBe(1);
  });
});
