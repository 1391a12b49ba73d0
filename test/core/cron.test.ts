import { describe, expect, it } from "vitest";
import { nextCronTime, parseCron, previousCronTime } from "../../src/core/cron.js";

const at = (iso: string) => new Date(iso);
const next = (cron: string, after: string) => nextCronTime(cron, at(after))?.toISOString() ?? null;
const prev = (cron: string, before: string) => previousCronTime(cron, at(before))?.toISOString() ?? null;

describe("nextCronTime (five-field UTC cron, as Container Apps jobs' scheduleTriggerConfig.cronExpression)", () => {
  it.each([
    ["0 2 * * *", "2026-12-06T23:47:00Z", "2026-12-07T02:00:00.000Z"],
    ["0 2 * * *", "2026-12-07T02:00:00Z", "2026-12-08T02:00:00.000Z"], // strictly after
    ["*/15 * * * *", "2026-12-06T10:07:30Z", "2026-12-06T10:15:00.000Z"],
    ["*/5 * * * *", "2026-12-06T23:58:00Z", "2026-12-07T00:00:00.000Z"],
    ["0 6 * * 1", "2026-12-06T10:00:00Z", "2026-12-07T06:00:00.000Z"], // 2026-12-06 is a Sunday
    ["0 6 * * MON", "2026-12-06T10:00:00Z", "2026-12-07T06:00:00.000Z"],
    ["0 0 * * 7", "2026-12-06T10:00:00Z", "2026-12-13T00:00:00.000Z"], // 7 = Sunday
    ["0 8-18/2 * * 1-5", "2026-12-07T09:30:00Z", "2026-12-07T10:00:00.000Z"],
    ["30 1 1 * *", "2026-12-06T00:00:00Z", "2027-01-01T01:30:00.000Z"],
    ["0 0 31 * *", "2027-01-31T00:00:00Z", "2027-03-31T00:00:00.000Z"], // February has no 31st
    ["0 0 29 2 *", "2026-12-06T00:00:00Z", "2028-02-29T00:00:00.000Z"],
    ["0 12 1 JAN,jul *", "2027-01-01T12:00:00Z", "2027-07-01T12:00:00.000Z"],
    // Both day fields restricted: either matches (standard cron). 2026-12-10 is a Thursday (4).
    ["0 0 15 * 4", "2026-12-06T00:00:00Z", "2026-12-10T00:00:00.000Z"],
  ])("%s after %s → %s", (cron, after, expected) => {
    expect(next(cron, after)).toBe(expected);
  });

  it.each([
    ["not cron"],
    ["* * * *"],
    ["60 * * * *"],
    ["* 24 * * *"],
    ["0 0 0 * *"],
    ["*/0 * * * *"],
    ["5-1 * * * *"],
    ["0 0 31 2 *"],
  ])("%s gives null (not a schedule with a time in it)", (cron) => {
    expect(nextCronTime(cron, at("2026-12-06T00:00:00Z"))).toBeNull();
  });
});

describe("previousCronTime", () => {
  it.each([
    ["*/15 * * * *", "2026-12-06T10:07:30Z", "2026-12-06T10:00:00.000Z"],
    ["*/15 * * * *", "2026-12-06T10:00:00Z", "2026-12-06T09:45:00.000Z"], // strictly before
    ["0 2 * * *", "2026-12-06T01:00:00Z", "2026-12-05T02:00:00.000Z"],
    ["0 0 1 * *", "2026-12-06T00:00:00Z", "2026-12-01T00:00:00.000Z"],
    ["0 0 31 * *", "2027-03-15T00:00:00Z", "2027-01-31T00:00:00.000Z"],
    ["0 6 * * 1", "2026-12-06T10:00:00Z", "2026-11-30T06:00:00.000Z"],
    ["59 23 31 12 *", "2026-12-06T00:00:00Z", "2025-12-31T23:59:00.000Z"],
  ])("%s before %s → %s", (cron, before, expected) => {
    expect(prev(cron, before)).toBe(expected);
  });

  it("is null for what is not a schedule", () => {
    expect(previousCronTime("@daily", at("2026-12-06T00:00:00Z"))).toBeNull();
  });
});

describe("parseCron", () => {
  it("folds 7 into Sunday and keeps whether the day fields were left open", () => {
    const s = parseCron("0 0 * * 7");
    expect(s && [...s.daysOfWeek]).toEqual([0]);
    expect(s?.anyDayOfMonth).toBe(true);
    expect(s?.anyDayOfWeek).toBe(false);
  });
});
