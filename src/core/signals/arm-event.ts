/**
 * Turns one Azure Resource Manager event (Event Grid schema or CloudEvents 1.0, spec/events.md) into what
 * PullGuard should look at. An event is only a hint: the result names resources to re-read, never state to trust.
 *
 * Example: a `ResourceWriteFailure` for `Microsoft.App/containerApps/write` on
 * `/subscriptions/3f2b.../resourceGroups/rg-shop/providers/Microsoft.App/containerApps/orders-api` becomes
 * `{ kind: "app", appId: "/subscriptions/3f2b.../containerApps/orders-api", ... }`; v2: a
 * `Microsoft.App/jobs/start/action` on `.../providers/Microsoft.App/jobs/nightly-export` becomes
 * `{ kind: "app", appId: ".../jobs/nightly-export" }` (a workload target: `appId` holds whichever kind, as in cli.md).
 */
import { z } from "zod";
import { networkChangeOf } from "../network/affected-environments.js";
import { watchedOperation } from "../watched-operations.js";
import { withoutNulls } from "./without-nulls.js";

const MAX_ID_LENGTH = 1024;

const armEventData = z.looseObject({
  operationName: z.string().max(512),
  status: z.string().max(64).optional(),
  resourceUri: z.string().max(MAX_ID_LENGTH).optional(),
  subscriptionId: z.string().max(64).optional(),
  tenantId: z.string().max(64).optional(),
  correlationId: z.string().max(128).optional(),
  claims: z.record(z.string(), z.unknown()).optional(),
  authorization: z
    .looseObject({
      scope: z.string().max(MAX_ID_LENGTH).optional(),
      action: z.string().max(512).optional(),
      evidence: z.looseObject({ principalId: z.string().max(64).optional() }).optional(),
    })
    .optional(),
});

const eventGridEvent = z.looseObject({
  id: z.string().min(1).max(128),
  subject: z.string().min(1).max(MAX_ID_LENGTH),
  eventType: z.string().min(1).max(256),
  eventTime: z.string().max(64).optional(),
  topic: z.string().max(MAX_ID_LENGTH).optional(),
  data: armEventData,
});

const cloudEvent = z.looseObject({
  specversion: z.literal("1.0"),
  id: z.string().min(1).max(128),
  source: z.string().max(MAX_ID_LENGTH),
  type: z.string().min(1).max(256),
  subject: z.string().min(1).max(MAX_ID_LENGTH).optional(),
  time: z.string().max(64).optional(),
  data: armEventData,
});

export type ArmEventTarget =
  /** Re-check this workload: a container app or (v2) a job. */
  | { kind: "app"; appId: string }
  /** v2: an environment changed (its identities): re-check its workloads, apps and jobs. */
  | { kind: "environment"; environmentId: string }
  /** Re-check the apps that pull from this registry. */
  | { kind: "registry"; registryId: string }
  /** Re-check the apps that use this user-assigned identity. */
  | { kind: "identity"; identityId: string }
  /** A role assignment changed under this scope: re-check the apps pulling from registries the scope covers. */
  | { kind: "scope"; scope: string }
  /** v2: a network resource changed: re-check the apps of the environments it concerns (app/network-targets.ts). */
  | { kind: "network"; resourceId: string };

export interface ArmEventMeta {
  eventId: string;
  eventType: string;
  operationName: string;
  status: string | null;
  correlationId: string | null;
  eventTime: string | null;
  /** Who made the change (normalised GUID), from the claims or the authorization evidence. */
  callerPrincipalId: string | null;
}

export type ArmEventSignal =
  | ({ outcome: "look"; target: ArmEventTarget; subject: string } & ArmEventMeta)
  | { outcome: "ignore"; reason: string; eventId: string | null }
  | { outcome: "reject"; reason: string; eventId: string | null };

/**
 * Event Grid's own events reach the handler too (spec/events.md v2): they are neither ARM events nor malformed. The
 * Functions host answers the validation handshake itself for an AzureFunction endpoint (Event Grid docs, "Webhook
 * event delivery"). Names as `@azure/eventgrid`'s KnownSystemEventTypes spells them (checked in the tests).
 */
export const EVENT_GRID_OWN_EVENT_TYPES = [
  "Microsoft.EventGrid.SubscriptionValidationEvent",
  "Microsoft.EventGrid.SubscriptionDeletedEvent",
] as const;
/** The ARM event types (event-schema-subscriptions): Resource{Write,Delete,Action}{Success,Failure,Cancel}. */
const ARM_EVENT_TYPE = /^Microsoft\.Resources\.Resource(Write|Delete|Action)(Success|Failure|Cancel)$/;

const OBJECT_ID_CLAIM = "http://schemas.microsoft.com/identity/claims/objectidentifier";
const GUID_32 = /^[0-9a-f]{32}$/i;
const GUID_36 = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** ARM event evidence carries GUIDs without dashes, claims carry them with: compare the normalised form. */
export function normaliseGuid(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const v = value.trim();
  if (GUID_36.test(v)) return v.toLowerCase();
  if (GUID_32.test(v)) {
    const h = v.toLowerCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return null;
}

/**
 * A resource ID as PullGuard accepts it from outside: absolute, plain segments, no dot segments, no encoded
 * characters, no query or fragment. Returns the segments (alternating key/value after the leading empty one).
 */
export function plainResourceIdSegments(id: string): string[] | null {
  if (id.length > MAX_ID_LENGTH || !id.startsWith("/subscriptions/")) return null;
  if (/[%?#\\\s]/.test(id)) return null;
  const segments = id.split("/").slice(1);
  if (segments.some((s) => s === "" || s === "." || s === "..")) return null;
  if (!GUID_36.test(segments[1] ?? "")) return null;
  return segments;
}

const APP = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.App\/containerApps\/[^/]+/i;
const JOB = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.App\/jobs\/[^/]+$/i;
const ENVIRONMENT =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.App\/managedEnvironments\/[^/]+$/i;
const REGISTRY =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+$/i;
const IDENTITY =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/i;
const ROLE_ASSIGNMENT = /^(.*)\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/i;

function targetFor(operation: string, subject: string, status: string | null): ArmEventTarget | string {
  const op = operation.toLowerCase();
  if (op.startsWith("microsoft.app/containerapps/")) {
    if (op === "microsoft.app/containerapps/delete") return "the container app was deleted: nothing left to pull for";
    const app = APP.exec(subject);
    if (!app) return `subject ${subject} is not a container app (or one of its revisions)`;
    return { kind: "app", appId: app[0] };
  }
  if (op.startsWith("microsoft.app/jobs/")) return jobTarget(op, subject);
  if (status !== null && status.toLowerCase() === "failed") {
    return `the ${operation} operation failed, so nothing changed`;
  }
  if (op.startsWith("microsoft.authorization/roleassignments/")) {
    const assignment = ROLE_ASSIGNMENT.exec(subject);
    const scope = assignment?.[1];
    if (!scope) return `subject ${subject} is not a role assignment`;
    return { kind: "scope", scope };
  }
  if (op === "microsoft.app/managedenvironments/write") {
    if (!ENVIRONMENT.test(subject)) return `subject ${subject} is not a managed environment`;
    return { kind: "environment", environmentId: subject };
  }
  if (op.startsWith("microsoft.containerregistry/registries/")) {
    if (!REGISTRY.test(subject)) return `subject ${subject} is not a container registry`;
    return { kind: "registry", registryId: subject };
  }
  if (op.startsWith("microsoft.network/")) {
    if (!networkChangeOf(subject)) return `subject ${subject} is not a network resource that can close a pull path`;
    return { kind: "network", resourceId: subject };
  }
  if (op.startsWith("microsoft.managedidentity/userassignedidentities/")) {
    if (!IDENTITY.test(subject)) return `subject ${subject} is not a user-assigned identity`;
    return { kind: "identity", identityId: subject };
  }
  return `operation ${operation} is not one PullGuard acts on`;
}

/**
 * v2: a job's write (accepted or failed, like an app's) and `jobs/start/action` (an execution is starting: its image is
 * pulled now, so the job's configuration is checked at once; the execution's outcome comes later, followed up by the
 * fix's verification). The subject of both is the job's ID (`POST .../jobs/{jobName}/start`, Jobs_Start in
 * Microsoft.App/ContainerApps/stable/2025-07-01/Jobs.json; ARM events name the resource the operation is on,
 * event-schema-subscriptions).
 */
function jobTarget(op: string, subject: string): ArmEventTarget | string {
  if (op === "microsoft.app/jobs/delete") return "the job was deleted: nothing left to pull for";
  if (!JOB.test(subject)) return `subject ${subject} is not a job`;
  return { kind: "app", appId: subject };
}

interface NormalisedEvent {
  id: string;
  eventType: string;
  subject: string;
  eventTime: string | null;
  data: z.infer<typeof armEventData>;
}

type Parsed = { success: true; event: NormalisedEvent } | { success: false; error: z.ZodError };

function readEventGridEvent(input: unknown): Parsed {
  const r = eventGridEvent.safeParse(input);
  if (!r.success) return { success: false, error: r.error };
  const e = r.data;
  return {
    success: true,
    event: { id: e.id, eventType: e.eventType, subject: e.subject, eventTime: e.eventTime ?? null, data: e.data },
  };
}

function readCloudEvent(input: unknown): Parsed {
  const r = cloudEvent.safeParse(input);
  if (!r.success) return { success: false, error: r.error };
  const e = r.data;
  return {
    success: true,
    event: {
      id: e.id,
      eventType: e.type,
      subject: e.subject ?? e.data.resourceUri ?? "",
      eventTime: e.time ?? null,
      data: e.data,
    },
  };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(event)"}: ${i.message}`)
    .join("; ");
}

/** The event type as either schema carries it, read before the shape is validated; null when there is none. */
function eventTypeOf(input: unknown, isCloudEvent: boolean): string | null {
  if (typeof input !== "object" || input === null) return null;
  const type = (input as Record<string, unknown>)[isCloudEvent ? "type" : "eventType"];
  return typeof type === "string" && type !== "" ? type.slice(0, 256) : null;
}

/** Not an ARM resource event (decided from the event type alone): why it is ignored; null for an ARM event. */
function notArmEvent(eventType: string | null): string | null {
  if (eventType === null || ARM_EVENT_TYPE.test(eventType)) return null;
  if ((EVENT_GRID_OWN_EVENT_TYPES as readonly string[]).includes(eventType)) {
    return `Event Grid's own ${eventType} is not an ARM event (the Functions host answers the validation handshake)`;
  }
  return `event type ${eventType} is not an ARM resource event`;
}

/** The subject and `data.resourceUri` must name one resource (ARM IDs compare case-insensitively). */
function subjectMismatch(subject: string, resourceUri: string | undefined): string | null {
  if (resourceUri === undefined || resourceUri.toLowerCase() === subject.toLowerCase()) return null;
  return `subject ${JSON.stringify(subject.slice(0, 200))} and data.resourceUri ${JSON.stringify(resourceUri.slice(0, 200))} name different resources: an ARM event names one resource in both`;
}

/**
 * Reads one event as the Event Grid trigger hands it over (either schema). Event Grid's own events and other event
 * types are ignored from their type before the ARM shape is checked; bad input is rejected with a reason naming what
 * was wrong; events for other operations are ignored with a reason; a null field is absent; nothing here throws.
 */
export function readArmEvent(raw: unknown): ArmEventSignal {
  const input = withoutNulls(raw);
  const id =
    typeof input === "object" && input !== null && "id" in input && typeof input.id === "string" ? input.id : null;
  const isCloudEvent = typeof input === "object" && input !== null && "specversion" in input;
  const other = notArmEvent(eventTypeOf(input, isCloudEvent));
  if (other !== null) return { outcome: "ignore", reason: other, eventId: id };
  const parsed = isCloudEvent ? readCloudEvent(input) : readEventGridEvent(input);
  if (!parsed.success) {
    const expected = isCloudEvent
      ? "a CloudEvents 1.0 ARM event (specversion, id, source, type, subject, data.operationName)"
      : "an Event Grid ARM event (id, subject, eventType, data.operationName)";
    return { outcome: "reject", reason: `not ${expected}: ${describeIssues(parsed.error)}`, eventId: id };
  }
  const event = parsed.event;
  const { eventType, subject, eventTime } = event;

  const operation = watchedOperation(event.data.operationName);
  if (!operation) {
    return {
      outcome: "ignore",
      reason: `operation ${event.data.operationName} is not one PullGuard watches`,
      eventId: event.id,
    };
  }
  if (!plainResourceIdSegments(subject)) {
    return {
      outcome: "reject",
      reason: `subject ${JSON.stringify(subject.slice(0, 200))} is not a plain ARM resource ID (/subscriptions/<guid>/...; no "..", encoded or empty segments)`,
      eventId: event.id,
    };
  }
  const mismatch = subjectMismatch(subject, event.data.resourceUri);
  if (mismatch !== null) return { outcome: "reject", reason: mismatch, eventId: event.id };
  const status = event.data.status ?? null;
  const target = targetFor(operation, subject, status);
  if (typeof target === "string") return { outcome: "ignore", reason: target, eventId: event.id };

  const callerPrincipalId =
    normaliseGuid(event.data.claims?.[OBJECT_ID_CLAIM]) ??
    normaliseGuid(event.data.authorization?.evidence?.principalId);
  return {
    outcome: "look",
    target,
    subject,
    eventId: event.id,
    eventType,
    operationName: operation,
    status,
    correlationId: event.data.correlationId ?? null,
    eventTime,
    callerPrincipalId,
  };
}
