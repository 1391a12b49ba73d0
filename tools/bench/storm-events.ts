/**
 * The event storm: 5,000 ARM events (Event Grid schema, as the subscription system topic delivers them) about a
 * 50-app world, in a seeded shuffled order:
 *   - writes, failed writes and restarts of the apps themselves;
 *   - role-assignment writes and deletes on the registries (each concerns every app pulling from that registry);
 *   - registry and user-assigned identity writes;
 *   - writes made by PullGuard's own identity (must never start another fix);
 *   - unrelated operations (storage accounts, key vaults, web apps, deployments...) and events of a subscription
 *     that is not watched;
 *   - duplicates: Event Grid delivers at least once, so some events come again with the same ID.
 */
import { createHash } from "node:crypto";
import { type GeneratedWorld, guid } from "./world.js";

export const STORM_EVENTS = 5_000;
export const STORM_APPS = 50;
export const SELF_PRINCIPAL = guid("pullguard-self");
const OPERATOR = guid("storm-operator");
const UNWATCHED = guid("unwatched-subscription");

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Shape {
  subject: string;
  operationName: string;
  eventType?: string;
  status?: string;
  caller?: string;
}

function event(n: number, shape: Shape, time: string): Record<string, unknown> {
  const subscription = shape.subject.split("/")[2] ?? "";
  const caller = shape.caller ?? OPERATOR;
  const id = createHash("sha1").update(`storm-event|${n}`).digest("hex");
  const status = shape.status ?? "Succeeded";
  return {
    topic: `/subscriptions/${subscription}`,
    subject: shape.subject,
    eventType:
      shape.eventType ??
      (status === "Failed" ? "Microsoft.Resources.ResourceWriteFailure" : "Microsoft.Resources.ResourceWriteSuccess"),
    eventTime: time,
    id: `${id.slice(0, 8)}-${id.slice(8, 12)}-4${id.slice(13, 16)}-8${id.slice(17, 20)}-${id.slice(20, 32)}`,
    data: {
      authorization: { scope: shape.subject, action: shape.operationName, evidence: { principalId: caller } },
      claims: { "http://schemas.microsoft.com/identity/claims/objectidentifier": caller },
      correlationId: guid("correlation", n),
      resourceUri: shape.subject,
      operationName: shape.operationName,
      status,
      subscriptionId: subscription,
    },
    dataVersion: "2",
    metadataVersion: "1",
  };
}

export interface Storm {
  events: Array<Record<string, unknown>>;
  /** How many of each kind were generated (duplicates counted once, under "duplicate"). */
  mix: Record<string, number>;
}

/**
 * The storm for `world` (generated with STORM_APPS apps), to be delivered at `now`: the changes happened during the
 * minute before (event times 2 to 60 s before `now`; Event Grid delivers ARM events seconds after the change).
 */
export function generateStorm(world: GeneratedWorld, now: Date, count = STORM_EVENTS, seed = 9): Storm {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const unrelated = (n: number): Shape => {
    const sub = pick(world.subscriptions);
    const kinds: Shape[] = [
      {
        subject: `/subscriptions/${sub}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/st${n % 40}`,
        operationName: "Microsoft.Storage/storageAccounts/write",
      },
      {
        subject: `/subscriptions/${sub}/resourceGroups/rg-secrets/providers/Microsoft.KeyVault/vaults/kv${n % 10}`,
        operationName: "Microsoft.KeyVault/vaults/write",
      },
      {
        subject: `/subscriptions/${sub}/resourceGroups/rg-web/providers/Microsoft.Web/sites/web${n % 25}`,
        operationName: "Microsoft.Web/sites/write",
      },
      {
        subject: `/subscriptions/${sub}/resourceGroups/rg-deploy/providers/Microsoft.Resources/deployments/d${n}`,
        operationName: "Microsoft.Resources/deployments/write",
      },
      {
        subject: `/subscriptions/${UNWATCHED}/resourceGroups/rg-x/providers/Microsoft.App/containerApps/other${n % 30}`,
        operationName: "Microsoft.App/containerApps/write",
      },
    ];
    return pick(kinds);
  };

  const shapes: Array<{ kind: string; shape: Shape }> = [];
  const unique = Math.round(count * 0.85);
  for (let n = 0; n < unique; n++) {
    const r = random();
    if (r < 0.4) {
      const app = pick(world.appIds);
      const op = random();
      shapes.push({
        kind: "app",
        shape:
          op < 0.7
            ? { subject: app, operationName: "Microsoft.App/containerApps/write" }
            : op < 0.85
              ? { subject: app, operationName: "Microsoft.App/containerApps/write", status: "Failed" }
              : {
                  subject: `${app}/revisions/${app.split("/").at(-1)}--r`,
                  operationName: "Microsoft.App/containerApps/revisions/restart/action",
                  eventType: "Microsoft.Resources.ResourceActionSuccess",
                },
      });
    } else if (r < 0.5) {
      const registry = pick(world.registryIds);
      const assignments = world.assignmentsByRegistry.get(registry) ?? [
        `${registry}/providers/Microsoft.Authorization/roleAssignments/${guid("x", n)}`,
      ];
      const deleted = random() < 0.5;
      shapes.push({
        kind: "role-assignment",
        shape: {
          subject: pick(assignments),
          operationName: deleted
            ? "Microsoft.Authorization/roleAssignments/delete"
            : "Microsoft.Authorization/roleAssignments/write",
          eventType: deleted ? "Microsoft.Resources.ResourceDeleteSuccess" : "Microsoft.Resources.ResourceWriteSuccess",
        },
      });
    } else if (r < 0.55) {
      shapes.push({
        kind: "registry",
        shape: { subject: pick(world.registryIds), operationName: "Microsoft.ContainerRegistry/registries/write" },
      });
    } else if (r < 0.6) {
      shapes.push({
        kind: "identity",
        shape: {
          subject: pick(world.identityIds),
          operationName: "Microsoft.ManagedIdentity/userAssignedIdentities/write",
        },
      });
    } else if (r < 0.65) {
      shapes.push({
        kind: "pullguard-own",
        shape: {
          subject: pick(world.appIds),
          operationName: "Microsoft.App/containerApps/write",
          caller: SELF_PRINCIPAL,
        },
      });
    } else {
      shapes.push({ kind: "unrelated", shape: unrelated(n) });
    }
  }
  const events = shapes.map((s, n) =>
    event(n, s.shape, new Date(now.getTime() - 2_000 - Math.floor(random() * 58_000)).toISOString()),
  );
  const mix: Record<string, number> = {};
  for (const s of shapes) mix[s.kind] = (mix[s.kind] ?? 0) + 1;
  // At-least-once delivery: the rest are copies of events already generated, same ID and body.
  const all = [...events];
  while (all.length < count) all.push(structuredClone(pick(events)));
  mix.duplicate = count - events.length;
  // A seeded shuffle, so duplicates arrive anywhere (sometimes before the original finished).
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j] as Record<string, unknown>, all[i] as Record<string, unknown>];
  }
  return { events: all, mix };
}
