/**
 * The Event Grid events ARM would raise for each write (spec/events.md), and the common-alert-schema
 * alerts an action group would post when a revision fails at run time. Delivery is at least once, with seeded knobs
 * to duplicate, delay and reorder; subscribers are in-process callbacks or HTTP webhooks.
 */
import { randomUUID } from "node:crypto";
import { seededRandom } from "./random.js";

export interface ArmEvent {
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  id: string;
  data: Record<string, unknown>;
  dataVersion: string;
  metadataVersion: string;
}

export interface DeliveryKnobs {
  /** Fraction of deliveries sent twice. */
  duplicate?: number;
  /** Delay before each delivery, ms. */
  delayMs?: number;
  /** Hold deliveries for `delayMs` and run each window's deliveries in a seeded random order. */
  reorder?: boolean;
}

type Subscriber<T> = (item: T) => void | Promise<void>;

export interface Bus<T> {
  subscribe(fn: Subscriber<T>): () => void;
  /** POSTs each item (events as a one-element array, alerts as the object) to an HTTP(S) URL. */
  subscribeWebhook(url: string): () => void;
  setKnobs(knobs: DeliveryKnobs): void;
  publish(item: T): void;
  /** Everything published, in order. */
  published(): T[];
  /** Resolves when every scheduled delivery has run. */
  settle(): Promise<void>;
}

export function createBus<T>(seed: number, asWebhookBody: (item: T) => unknown): Bus<T> {
  const random = seededRandom(seed);
  const subscribers = new Set<Subscriber<T>>();
  let knobs: DeliveryKnobs = {};
  const all: T[] = [];
  const inFlight = new Set<Promise<void>>();

  const run = (fn: Subscriber<T>, item: T): Promise<void> =>
    Promise.resolve()
      .then(() => fn(structuredClone(item)))
      .catch(() => undefined); // at-least-once: a subscriber failing does not stop the others

  /**
   * Reordering: deliveries published within one window of `delayMs` are held, then run in a seeded random order.
   * The order depends only on the seed and the publications, never on timer races, so a run repeats.
   */
  let window: Array<{ key: number; fn: Subscriber<T>; item: T }> | null = null;
  const hold = (fn: Subscriber<T>, item: T) => {
    if (window === null) {
      const batch: Array<{ key: number; fn: Subscriber<T>; item: T }> = [];
      window = batch;
      const p = new Promise<void>((resolve) => {
        setTimeout(async () => {
          window = null;
          batch.sort((a, b) => a.key - b.key);
          for (const d of batch) await run(d.fn, d.item);
          resolve();
        }, knobs.delayMs ?? 50);
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    window.push({ key: random(), fn, item });
  };

  const deliver = (fn: Subscriber<T>, item: T) => {
    const copies = random() < (knobs.duplicate ?? 0) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      if (knobs.reorder) {
        hold(fn, item);
        continue;
      }
      const p = new Promise<void>((resolve) => {
        setTimeout(() => void run(fn, item).finally(resolve), knobs.delayMs ?? 0);
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
  };

  return {
    subscribe: (fn) => {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    subscribeWebhook: (url) => {
      const fn: Subscriber<T> = async (item) => {
        await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "aeg-event-type": "Notification" },
          body: JSON.stringify(asWebhookBody(item)),
        });
      };
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    setKnobs: (k) => {
      knobs = { ...k };
    },
    publish: (item) => {
      all.push(item);
      for (const fn of subscribers) deliver(fn, item);
    },
    published: () => [...all],
    settle: async () => {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}

const dashless = (guid: string) => guid.replace(/-/g, "");

export function armEvent(input: {
  eventType: "ResourceWriteSuccess" | "ResourceWriteFailure" | "ResourceDeleteSuccess" | "ResourceActionSuccess";
  subject: string;
  operationName: string;
  status: "Succeeded" | "Failed";
  method: string;
  url: string;
  caller: string;
  tenantId: string;
  time: Date;
  /** The assignment that allowed the action (ARM's authorization.evidence); the operator of a world has none. */
  evidence: {
    role: string;
    roleAssignmentScope: string;
    roleAssignmentId: string;
    roleDefinitionId: string;
    principalType: string;
  } | null;
}): ArmEvent {
  const subscriptionId = input.subject.split("/")[2] ?? "";
  const correlationId = randomUUID();
  return {
    topic: `/subscriptions/${subscriptionId}`,
    subject: input.subject,
    eventType: `Microsoft.Resources.${input.eventType}`,
    eventTime: input.time.toISOString(),
    id: randomUUID(),
    data: {
      authorization: {
        scope: input.subject,
        action: input.operationName,
        evidence: input.evidence
          ? { ...input.evidence, principalId: dashless(input.caller) }
          : {
              role: "Owner",
              roleAssignmentScope: `/subscriptions/${subscriptionId}`,
              principalId: dashless(input.caller),
              principalType: "ServicePrincipal",
            },
      },
      claims: { "http://schemas.microsoft.com/identity/claims/objectidentifier": input.caller, ver: "1.0" },
      correlationId,
      httpRequest: {
        clientRequestId: randomUUID(),
        clientIpAddress: "127.0.0.1",
        method: input.method,
        url: input.url,
      },
      resourceProvider: input.operationName.split("/")[0],
      resourceUri: input.subject,
      operationName: input.operationName,
      status: input.status,
      subscriptionId,
      tenantId: input.tenantId,
    },
    dataVersion: "2",
    metadataVersion: "1",
  };
}

/**
 * The alert of a pull failure in the environment's system logs. A revision's names its revision; (v2) a job
 * execution's names the job as `ContainerAppName_s` and `JobName_s` and no revision: executions log under the job's
 * name (spec/events.md v2). That the job's rows carry no revision name is an assumption (a job has no revisions).
 */
export function pullFailureAlert(input: {
  environmentId: string;
  appName: string;
  revisionName?: string;
  jobName?: string;
  time: Date;
}): Record<string, unknown> {
  const subscriptionId = input.environmentId.split("/")[2] ?? "";
  const env = input.environmentId.toLowerCase();
  const fired = input.time.toISOString();
  return {
    schemaId: "azureMonitorCommonAlertSchema",
    data: {
      essentials: {
        alertId: `/subscriptions/${subscriptionId}/providers/Microsoft.AlertsManagement/alerts/${randomUUID()}`,
        alertRule: "pullguard-image-pull-failures",
        severity: "Sev2",
        signalType: "Log",
        monitorCondition: "Fired",
        monitoringService: "Log Alerts V2",
        alertTargetIDs: [env],
        configurationItems: [env],
        firedDateTime: fired,
        essentialsVersion: "1.0",
        alertContextVersion: "1.0",
      },
      alertContext: {
        conditionType: "LogQueryCriteria",
        condition: {
          windowSize: "PT5M",
          allOf: [
            {
              searchQuery:
                "ContainerAppSystemLogs_CL | where Log_s has 'Failed to pull image' or Log_s has 'ImagePullBackOff'",
              dimensions: [
                { name: "_ResourceId", value: env },
                { name: "ContainerAppName_s", value: input.appName },
                ...(input.revisionName ? [{ name: "RevisionName_s", value: input.revisionName }] : []),
                ...(input.jobName ? [{ name: "JobName_s", value: input.jobName }] : []),
              ],
              metricValue: 1,
              operator: "GreaterThan",
              threshold: "0",
              timeAggregation: "Count",
            },
          ],
          windowStartTime: new Date(input.time.getTime() - 5 * 60_000).toISOString(),
          windowEndTime: fired,
        },
      },
      customProperties: {},
    },
  };
}

/**
 * v2: a row of the environment's system logs (the `ContainerAppSystemLogs` table) for a job execution whose pull
 * failed: executions log under the job's name, `ContainerAppName` with `JobName` (spec/events.md v2); `Reason`
 * `ImagePullBackOff` is one of the reasons spec/pull-path.md v2 lists, `Log` the failure wording's container text
 * (failure-wording.ts). The other columns (`ExecutionName`, `EnvironmentName`, `Type`) are named as the table's
 * documented columns are, an assumption for a job's rows.
 */
export function executionLogRow(input: {
  environmentId: string;
  jobName: string;
  executionName: string;
  log: string;
  time: Date;
}): Record<string, unknown> {
  return {
    TimeGenerated: input.time.toISOString(),
    _ResourceId: input.environmentId.toLowerCase(),
    EnvironmentName: input.environmentId.split("/").pop() ?? "",
    ContainerAppName: input.jobName,
    JobName: input.jobName,
    ExecutionName: input.executionName,
    Type: "Warning",
    Reason: "ImagePullBackOff",
    Log: input.log,
  };
}
