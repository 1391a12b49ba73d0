/**
 * v2: when a scheduled job runs. A Container Apps job of trigger type `Schedule` runs at the times of
 * `configuration.scheduleTriggerConfig.cronExpression`: the standard five-field cron format (minute, hour, day of
 * month, month, day of week), evaluated in UTC (learn.microsoft.com/azure/container-apps/jobs, "Scheduled jobs";
 * MicrosoftDocs/azure-docs articles/container-apps/jobs.md: "the standard cron expression format with five fields
 * for minute, hour, day of month, month, and day of week", and "Cron expressions in scheduled jobs are evaluated in
 * Universal Time Coordinated (UTC)"; microsoft/azure-container-apps#1109 asks for time zones).
 *
 *   nextCronTime("0 2 * * *", new Date("2026-12-06T23:47:00Z"))     → 2026-12-07T02:00:00Z
 *   previousCronTime("*\/15 * * * *", new Date("2026-12-06T10:07:30Z")) → 2026-12-06T10:00:00Z
 *   nextCronTime("not cron", now)                                     → null
 *
 * Supported per field: `*`, a number, a range `a-b`, a step `*\/n`, `a-b/n` or `a/n`, lists of these, month and day
 * names (`JAN`, `MON`), and 7 for Sunday. As in standard cron, when both day of month and day of week are restricted a
 * time matches either. Pure: the caller passes the clock's time.
 */

interface Field {
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

export interface CronSchedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** 0 = Sunday (7 is folded into 0). */
  daysOfWeek: ReadonlySet<number>;
  /** Whether day of month / day of week were written as `*` (then only the other one restricts the day). */
  anyDayOfMonth: boolean;
  anyDayOfWeek: boolean;
}

function fieldNumber(text: string, field: Field): number | null {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + (field.names?.length === 12 ? 1 : 0);
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= field.min && n <= field.max ? n : null;
}

/** The values one comma-separated part of a field allows, or null when it is not valid. */
function partValues(part: string, field: Field): number[] | null {
  const [range = "", stepText] = part.split("/");
  const step = stepText === undefined ? 1 : /^\d+$/.test(stepText) ? Number(stepText) : 0;
  if (step < 1) return null;
  let from: number | null;
  let to: number | null;
  if (range === "*") {
    from = field.min;
    to = field.max;
  } else if (range.includes("-")) {
    const [a = "", b = ""] = range.split("-");
    from = fieldNumber(a, field);
    to = fieldNumber(b, field);
  } else {
    from = fieldNumber(range, field);
    to = stepText === undefined ? from : field.max;
  }
  if (from === null || to === null || from > to) return null;
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

function fieldValues(text: string, field: Field): Set<number> | null {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const some = partValues(part, field);
    if (!some) return null;
    for (const v of some) values.add(v);
  }
  return values;
}

/** The parsed schedule, or null when the expression is not a five-field cron expression this module reads. */
export function parseCron(expression: string): CronSchedule | null {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) return null;
  const sets = parts.map((p, i) => fieldValues(p, FIELDS[i] as Field));
  const [minutes, hours, daysOfMonth, months, weekdays] = sets;
  if (!minutes || !hours || !daysOfMonth || !months || !weekdays) return null;
  const daysOfWeek = new Set([...weekdays].map((d) => d % 7));
  return {
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    anyDayOfMonth: parts[2] === "*",
    anyDayOfWeek: parts[4] === "*",
  };
}

function dayMatches(s: CronSchedule, date: Date): boolean {
  const dom = s.daysOfMonth.has(date.getUTCDate());
  const dow = s.daysOfWeek.has(date.getUTCDay());
  if (s.anyDayOfMonth && s.anyDayOfWeek) return true;
  if (s.anyDayOfMonth) return dow;
  if (s.anyDayOfWeek) return dom;
  return dom || dow;
}

/** Far enough for any valid schedule (`0 0 29 2 1` may wait years); a schedule with no time in it gives null. */
const SEARCH_YEARS = 30;

/** The first time the schedule fires strictly after `after` (whole minutes, UTC), or null. */
export function nextCronTime(expression: string, after: Date): Date | null {
  const s = parseCron(expression);
  if (!s) return null;
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  const limit = after.getTime() + SEARCH_YEARS * 366 * 24 * 3600 * 1000;
  while (t.getTime() <= limit) {
    if (!s.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(s, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!s.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!s.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else {
      return t;
    }
  }
  return null;
}

/** The last time the schedule fired strictly before `before` (whole minutes, UTC), or null. */
export function previousCronTime(expression: string, before: Date): Date | null {
  const s = parseCron(expression);
  if (!s) return null;
  const t = new Date(before.getTime());
  if (t.getUTCSeconds() === 0 && t.getUTCMilliseconds() === 0) t.setUTCMinutes(t.getUTCMinutes() - 1);
  t.setUTCSeconds(0, 0);
  const limit = before.getTime() - SEARCH_YEARS * 366 * 24 * 3600 * 1000;
  while (t.getTime() >= limit) {
    if (!s.months.has(t.getUTCMonth() + 1)) {
      t.setUTCDate(1);
      t.setUTCHours(0, 0, 0, 0);
      t.setUTCMinutes(-1); // the last minute of the month before
    } else if (!dayMatches(s, t)) {
      t.setUTCHours(0, 0, 0, 0);
      t.setUTCMinutes(-1); // 23:59 of the day before
    } else if (!s.hours.has(t.getUTCHours())) {
      t.setUTCMinutes(0, 0, 0);
      t.setUTCMinutes(-1); // minute 59 of the hour before
    } else if (!s.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() - 1, 0, 0);
    } else {
      return t;
    }
  }
  return null;
}
