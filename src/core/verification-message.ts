/**
 * The message that schedules a verification (queue `pullguard-verify`): which app to look at again, which revision
 * was restarted, the attempt number, the deadline, the trigger and the audit IDs of the changes being verified.
 * Validated on receipt: a malformed message is dropped with a reason, never half-processed.
 */
import { z } from "zod";
import { containerAppIdOf } from "./resource-id.js";

const triggerSchema = z.object({
  source: z.string().min(1),
  eventId: z.string().nullable().optional(),
  correlationId: z.string().nullable().optional(),
  caller: z.string().nullable().optional(),
  invocationId: z.string().nullable().optional(),
});

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: "an ISO 8601 time" });

export const verificationMessageSchema = z.object({
  appId: z.string().refine((id) => containerAppIdOf(id) !== null, { message: "a container app resource ID" }),
  revision: z.string().nullable(),
  attempt: z.number().int().min(1),
  deadline: isoTime,
  trigger: triggerSchema,
  auditIds: z.array(z.string()),
  /** Follow-up restarts the verification already made (their keys), so that none is repeated. */
  restartsDone: z.array(z.string()).optional(),
});

export type VerificationMessage = z.infer<typeof verificationMessageSchema>;

export type ParsedVerificationMessage = { ok: true; message: VerificationMessage } | { ok: false; reason: string };

/** Accepts the parsed JSON the queue trigger hands over, or its text (plain or base64). */
export function parseVerificationMessage(input: unknown): ParsedVerificationMessage {
  let value = input;
  if (typeof value === "string") {
    const text = value.trim().startsWith("{") ? value : Buffer.from(value, "base64").toString("utf8");
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      return { ok: false, reason: "the message is not JSON (expected a verification object)" };
    }
  }
  const parsed = verificationMessageSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `invalid verification message: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "unknown"}`,
    };
  }
  return { ok: true, message: parsed.data };
}

/** Delay before attempt `attempt` (1-based): `base` doubled each attempt, capped at `maxSeconds`. */
export function backoffSeconds(attempt: number, baseSeconds: number, maxSeconds = 900): number {
  return Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
}
