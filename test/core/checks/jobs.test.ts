/**
 * v2: every check applies to a container apps job. Each code's canonical case (scenarios.ts), deployed as a job
 * (world.ts `asJob`), gives the same findings as the app's, with the evidence on the job's own ARM paths, messages that
 * say "job", and `az` commands of the `az containerapp job` group; a propagating grant waits for the next execution
 * instead of restarting a revision.
 */
import { describe, expect, it } from "vitest";
import { diagnose } from "../../../src/core/diagnose.js";
import type { Finding, FindingCode } from "../../../src/core/finding.js";
import { CASES } from "./scenarios.js";
import {
  APP_ID,
  asJob,
  assignment,
  factsWith,
  JOB_ID,
  MANUAL,
  minutesAgo,
  ROLE,
  SERVER,
  SYSTEM_PRINCIPAL,
  setAssignments,
  theFinding,
  UAMI_ID,
} from "./world.js";

const CODES = Object.keys(CASES) as FindingCode[];

/** A finding with the workload's ID and name swapped for the job's: what the app's finding becomes for the job. */
function expectedForJob(finding: Finding): Finding {
  return JSON.parse(
    JSON.stringify(finding)
      .replaceAll(APP_ID, JOB_ID)
      .replaceAll("--name checkout-web ", "--name checkout-nightly ")
      .replaceAll("the container app", "the job")
      .replaceAll("The container app", "The job")
      .replaceAll("az containerapp identity ", "az containerapp job identity ")
      .replaceAll("az containerapp registry ", "az containerapp job registry ")
      .replaceAll("az containerapp update ", "az containerapp job update "),
  ) as Finding;
}

describe("checks on a job", () => {
  it.each(CODES)("%s: the app's finding, on the job's ARM paths, in the job's words", (code) => {
    const app = diagnose(CASES[code]());
    const job = diagnose(asJob(CASES[code]()));
    expect(job.verdict).toBe(app.verdict);
    expect(job.findings.map((f) => f.code)).toEqual(app.findings.map((f) => f.code));
    if (code === "role-assignment-propagating") return; // its fix differs by kind: the tests below
    expect(job.findings).toEqual(app.findings.map(expectedForJob));
  });

  it.each(CODES)("%s: nothing a job's finding says names an app, a container app or a revision", (code) => {
    const texts = diagnose(asJob(CASES[code]())).findings.flatMap((f) => [
      f.message,
      f.fix?.summary ?? "",
      f.fix?.az ?? "",
    ]);
    // ARM IDs (Microsoft.App/...) and the service's name (Container Apps) are not the workload's kind.
    const words = texts.map((t) => t.replace(/\/subscriptions\/\S+/g, "<id>"));
    expect(words.filter((t) => /\bapp('s)?\b|container app(?!s)|revision/i.test(t))).toEqual([]);
    expect(texts.filter((t) => /\baz containerapp (?!job |env )/.test(t))).toEqual([]);
  });

  it("identity-not-attached: attach the UAMI to the job, with the job's own command", () => {
    const finding = theFinding(asJob(CASES["identity-not-attached"]()), "identity-not-attached");
    expect(finding.message).toBe(
      `The entry for ${SERVER} names the user-assigned identity id-pull, which is attached neither to the job nor to its environment, so ACA cannot get a token for it.`,
    );
    expect(finding.evidence.slice(0, 2)).toEqual([
      { resource: JOB_ID, path: "properties.configuration.registries[0].identity", value: UAMI_ID },
      { resource: JOB_ID, path: "identity.userAssignedIdentities", value: [] },
    ]);
    expect(finding.fix).toEqual({
      summary: "attach id-pull to the job, keeping its other identities",
      az: `az containerapp job identity assign --name checkout-nightly --resource-group rg-checkout --user-assigned ${UAMI_ID}`,
      auto: true,
    });
  });

  it("system-identity-disabled and registry-not-configured: the job's identity and the job's registry entry", () => {
    const system = theFinding(asJob(CASES["system-identity-disabled"]()), "system-identity-disabled");
    expect(system.message).toBe(
      `The entry for ${SERVER} uses the job's system-assigned identity, but the job has none (identity type "UserAssigned").`,
    );
    expect(system.fix?.az).toBe(
      "az containerapp job identity assign --name checkout-nightly --resource-group rg-checkout --system-assigned",
    );
    const entry = theFinding(asJob(CASES["registry-not-configured"]()), "registry-not-configured");
    expect(entry.fix?.az).toBe(
      `az containerapp job registry set --name checkout-nightly --resource-group rg-checkout --server ${SERVER} --identity system`,
    );
    expect(entry.evidence[1]).toEqual({ resource: JOB_ID, path: "properties.configuration.registries", value: [] });
  });

  it("pull-role-missing: the job's system-assigned identity, the same least-privilege grant", () => {
    const finding = theFinding(asJob(CASES["pull-role-missing"]()), "pull-role-missing");
    expect(finding.message).toMatch(/^The job's system-assigned identity \(principal f0e1d2c3-/);
    expect(finding.fix?.az).toMatch(/^az role assignment create --assignee-object-id f0e1d2c3-.* --role 7f951dda-/);
  });

  const propagating = () =>
    factsWith((f) => setAssignments(f, SYSTEM_PRINCIPAL, [assignment(ROLE.acrPull, { createdOn: minutesAgo(3) })]));

  it("role-assignment-propagating, scheduled job: nothing restarts, the next execution pulls with the grant", () => {
    const finding = theFinding(asJob(propagating()), "role-assignment-propagating");
    expect(finding.message).toMatch(
      /^The job's system-assigned identity was granted pull on fabrikamacr less than 10 minutes ago/,
    );
    expect(finding.fix).toEqual({
      summary:
        "nothing to restart: the job's next execution after 10 minutes have passed since the grant pulls with it (no new grant is needed)",
      az: "az containerapp job execution list --name checkout-nightly --resource-group rg-checkout",
      auto: true,
    });
  });

  it("role-assignment-propagating, manual job: the next execution a person starts", () => {
    const finding = theFinding(asJob(propagating(), MANUAL), "role-assignment-propagating");
    expect(finding.fix?.summary).toBe(
      "nothing to restart: the next execution you start, once 10 minutes have passed since the grant, pulls with it (no new grant is needed)",
    );
    expect(finding.fix?.az).toBe("az containerapp job start --name checkout-nightly --resource-group rg-checkout");
  });

  it("role-assignment-propagating, app: still the revision restart", () => {
    expect(theFinding(propagating(), "role-assignment-propagating").fix?.az).toBe(
      "az containerapp revision restart --name checkout-web --resource-group rg-checkout --revision checkout-web--r7",
    );
  });
});
