/**
 * The chaos suites' checks of issue 16's "exactly once in effect" after a schedule (chaos-harness.ts plays it): every
 * write PullGuard sent belongs to a plan made from facts it read (stepFor), no write applied twice, every applied
 * write audited with its true outcome (effectFailures), no role assignment duplicated (exactlyOnceFailures).
 */
import { assertAllowed, GRANTABLE_ROLES, type WriteContext } from "../../src/core/forbidden.js";
import type { PlanStep } from "../../src/core/plan-step.js";
import { roleAssignmentName, roleGuidOf } from "../../src/core/role-assignment-name.js";
import type { Emulator } from "../../tools/emulator/index.js";
import { DEFAULT_OPERATOR } from "../../tools/emulator/index.js";
import { lower, pathOf, type Scenario } from "./chaos-harness.js";
import { createdAssignments, duplicateAssignments, type SentRequest } from "./harness.js";

/** Whether a PATCH body carries exactly the part of the resource the step changes, and nothing else. */
function bodyFits(step: PlanStep, body: unknown): boolean {
  const b = (body ?? {}) as { identity?: unknown; properties?: Record<string, unknown> };
  const top = Object.keys(b).sort().join(",");
  const props = Object.keys(b.properties ?? {})
    .sort()
    .join(",");
  const config = Object.keys((b.properties?.configuration ?? {}) as object).join(",");
  switch (step.kind) {
    case "enable-system-identity":
    case "attach-user-identity":
      return top === "identity";
    case "set-registry-identity":
    case "add-registry-entry":
      return top === "properties" && props === "configuration" && config === "registries";
    case "resubmit-template":
      return top === "properties" && props === "template";
    case "enable-arm-audience-tokens":
      return top === "properties" && props === "policies";
    case "allow-registry-ips":
      return top === "properties" && props === "networkRuleSet";
    default:
      return false;
  }
}

/** The step of `plan` this write carries out, resolved (the principal of a new system identity filled in). */
export function stepFor(write: SentRequest, plan: PlanStep[]): PlanStep | null {
  const path = pathOf(write.url);
  for (const step of plan) {
    switch (step.kind) {
      case "assign-role": {
        if (write.method !== "PUT") break;
        const body = (write.body ?? {}) as { properties?: Record<string, unknown> };
        const principal = lower(String(body.properties?.principalId ?? ""));
        const role = roleGuidOf(String(body.properties?.roleDefinitionId ?? ""));
        const name = step.principalFrom ? roleAssignmentName(step.scope, principal, role) : step.name;
        const expected = lower(`${step.scope}/providers/Microsoft.Authorization/roleAssignments/${name}`);
        if (path !== expected || role !== roleGuidOf(step.roleDefinitionId)) break;
        if (!step.principalFrom && principal !== lower(step.principalId)) break;
        return { ...step, principalId: principal, name };
      }
      case "restart-revision":
        if (write.method === "POST" && path === lower(`${step.target}/restart`)) return step;
        break;
      case "start-job-execution":
        if (write.method === "POST" && path === lower(`${step.target}/start`)) return step;
        break;
      default:
        if (write.method === "PATCH" && path === lower(step.target) && bodyFits(step, write.body)) return step;
    }
  }
  return null;
}

/**
 * Writes applied twice, and applied writes audited with a wrong outcome. Every write PullGuard sends reaches the
 * emulator once (no pipeline retry for writes), so its sends and the emulator's log of its writes pair in order; a
 * write is applied when the emulator answered 2xx, or applied it and lost the reply.
 */
export function effectFailures(scenario: Scenario, emulator: Emulator, where: string): string[] {
  const { figures, writeRoutes } = scenario;
  const failures: string[] = [];
  const caller = lower(emulator.state.caller?.principalId ?? DEFAULT_OPERATOR);
  const served = emulator.log.writes().filter((e) => !e.caller || lower(e.caller) === caller);
  const sent = scenario.access.arm.sent.filter((r) => r.method !== "GET");
  if (served.length !== sent.length) {
    return [`${where}: PullGuard sent ${sent.length} writes and the emulator served ${served.length}`];
  }
  const ok = (status: number | undefined) => status !== undefined && status >= 200 && status < 300;
  const applied = new Map<string, number>();
  const appliedUrls = new Set<string>();
  sent.forEach((write, i) => {
    const entry = served[i];
    if (!entry || !(ok(entry.status) || ok(entry.appliedStatus))) return;
    const key = `${write.method} ${pathOf(write.url)} ${JSON.stringify(write.body ?? null)}`;
    applied.set(key, (applied.get(key) ?? 0) + 1);
    appliedUrls.add(`${write.method} ${pathOf(write.url)}`);
  });
  const twice = [...applied.entries()].filter(([, n]) => n > 1).map(([k]) => k.slice(0, 160));
  figures.duplicates += twice.length;
  if (twice.length > 0) failures.push(`${where}: applied twice: ${twice.join("; ")}`);
  const rows = scenario.audit.entries.filter((e) => e.request);
  for (const url of appliedUrls) {
    const mine = rows.filter((e) => `${e.request?.method} ${pathOf(e.request?.url ?? "")}` === url);
    if (!mine.some((e) => e.outcome === "done" || e.outcome === "already-in-place")) {
      failures.push(
        `${where}: ${url} was applied; its audit rows say ${mine.map((e) => e.outcome).join(", ") || "nothing"}`,
      );
    }
  }
  for (const row of rows) {
    const url = `${row.request?.method} ${pathOf(row.request?.url ?? "")}`;
    if (row.outcome === "intended" || row.outcome === "unknown") {
      failures.push(`${where}: the ${row.stepKind} row ${row.id} is still ${row.outcome} after the next run`);
    }
    if (row.outcome === "done" && !appliedUrls.has(url)) {
      failures.push(`${where}: the ${row.stepKind} row ${row.id} says done and ARM never applied ${url}`);
    }
  }
  for (const entry of served) {
    if (entry.appliedStatus === undefined) continue;
    const route = writeRoutes.find(
      (r) => r.rule.method === entry.method && r.rule.path?.test(entry.path.split("?")[0] ?? ""),
    );
    const name = route?.name ?? entry.method;
    figures.lostByRoute[name] = (figures.lostByRoute[name] ?? 0) + 1;
  }
  for (const id of scenario.unknownRows) {
    figures.unknownSeen++;
    const row = scenario.audit.entries.find((e) => e.id === id);
    if (row && row.outcome !== "unknown") figures.unknownResolved++;
  }
  return failures;
}

/**
 * Issue 16's checks after a schedule: no crash; every write PullGuard sent belongs to a plan made from facts it read
 * in that run and passes the forbidden list (with the run's `context`); every write the emulator served for PullGuard
 * went through applyPlan's transport and, when accepted, is audited; no DELETE; nothing applied twice, every applied
 * write audited with its true outcome (effectFailures); no role assignment duplicated or created twice.
 */
export function exactlyOnceFailures(
  scenario: Scenario,
  emulator: Emulator,
  where: string,
  context: WriteContext = {},
): string[] {
  const failures: string[] = [];
  for (const record of scenario.runs) {
    for (const crash of record.crashes) failures.push(`${where} ${record.label}: ${crash}`);
    const plan = scenario.plansOf(record);
    for (const write of record.writes) {
      const step = stepFor(write, plan);
      if (!step) {
        failures.push(`${where} ${record.label}: ${write.method} ${pathOf(write.url)} is in no plan`);
        continue;
      }
      try {
        assertAllowed(step, { method: write.method, url: write.url, body: write.body, before: write.before }, context);
      } catch (error) {
        failures.push(`${where} ${record.label}: ${(error as Error).message}`);
      }
      if (step.kind === "assign-role" && !GRANTABLE_ROLES.has(roleGuidOf(step.roleDefinitionId))) {
        failures.push(`${where}: granted ${step.roleDefinitionId}`);
      }
    }
  }
  // Every write the emulator served for PullGuard went through applyPlan's transport.
  const caller = lower(emulator.state.caller?.principalId ?? DEFAULT_OPERATOR);
  const sentPaths = new Set(scenario.access.arm.sent.map((s) => `${s.method} ${pathOf(s.url)}`));
  const audited = new Set(
    scenario.audit.entries.flatMap((e) => (e.request ? [`${e.request.method} ${pathOf(e.request.url)}`] : [])),
  );
  for (const entry of emulator.log.writes()) {
    if (entry.caller && lower(entry.caller) !== caller) continue;
    const key = `${entry.method} ${lower((entry.path.split("?")[0] ?? "").replace(/\/{2,}/g, "/"))}`;
    if (!sentPaths.has(key)) failures.push(`${where}: the emulator served ${key}, which applyPlan never sent`);
    if (entry.status >= 200 && entry.status < 300 && !audited.has(key)) {
      failures.push(`${where}: ARM accepted ${key} and no audit row records it`);
    }
    if (entry.method === "DELETE") failures.push(`${where}: DELETE ${entry.path}`);
  }
  failures.push(...effectFailures(scenario, emulator, where));
  const duplicates = duplicateAssignments(emulator);
  const createdTwice = [...createdAssignments(emulator).entries()].filter(([, n]) => n > 1);
  scenario.figures.duplicates += duplicates.length + createdTwice.length;
  if (duplicates.length > 0) failures.push(`${where}: duplicate role assignments ${duplicates.join(", ")}`);
  if (createdTwice.length > 0) failures.push(`${where}: created twice ${createdTwice.map(([k]) => k).join(", ")}`);
  return failures;
}
