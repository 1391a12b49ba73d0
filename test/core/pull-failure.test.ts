/**
 * The classifier against real Azure failure texts (test/fixtures/failure-texts/corpus.json, each cited) and the
 * structured rules of spec/pull-path.md v2 ("How a pull failure is recognised").
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { RevisionFacts } from "../../src/core/facts.js";
import {
  classifyFailureText,
  classifyPullFailure,
  jobPullFailure,
  newestFailedExecution,
  type PullFailureKind,
  type PullFailureSignal,
  revisionPullFailure,
} from "../../src/core/pull-failure.js";
import terms from "../../src/core/pull-failure-terms.json" with { type: "json" };

interface CorpusText {
  text: string;
  field: "writeError" | "provisioningError" | "revision" | "replicaContainer" | "systemLog" | "text";
  expected: PullFailureKind;
  source: string;
  note: string;
  reason?: string | null;
  runningState?: string;
}

const corpus = JSON.parse(readFileSync(new URL("../fixtures/failure-texts/corpus.json", import.meta.url), "utf8")) as {
  texts: CorpusText[];
};

function signalOf(t: CorpusText): PullFailureSignal {
  switch (t.field) {
    case "systemLog":
      return { source: "system-log", reason: t.reason ?? null, log: t.text };
    case "replicaContainer":
      return { source: "replica-container", runningState: t.runningState ?? null, runningStateDetails: t.text };
    case "revision":
      return {
        source: "revision",
        provisioningState: "Provisioned",
        runningState: t.runningState ?? null,
        runningStateDetails: t.text,
        provisioningError: null,
      };
    case "provisioningError":
      return {
        source: "revision",
        provisioningState: "Failed",
        runningState: t.runningState ?? null,
        runningStateDetails: null,
        provisioningError: t.text,
      };
    default:
      return { source: "text", text: t.text };
  }
}

describe("the corpus of real Azure failure texts", () => {
  it("holds at least 25 cited texts, pull failures of every kind and the negatives", () => {
    expect(corpus.texts.length).toBeGreaterThanOrEqual(25);
    for (const t of corpus.texts) expect(t.source).toMatch(/^(https:\/\/|find_string index id \d+)/);
    const kinds = new Set(corpus.texts.map((t) => t.expected));
    expect([...kinds].sort()).toEqual(["auth", "network", "not-a-pull-failure", "not-found", "platform", "unknown"]);
  });

  it.each(
    corpus.texts.map((t) => [t.expected, t.field, t.text.slice(0, 70), t] as const),
  )("%s ← %s: %s", (expected, _field, _short, t) => {
    expect(classifyPullFailure(signalOf(t)).kind).toBe(expected);
  });
});

describe("classifyFailureText", () => {
  it("matches case-insensitively with _ and a space alike", () => {
    expect(classifyFailureText('GET https:?scope=x: MANIFEST_UNKNOWN: manifest tagged by "v2" is not found').kind).toBe(
      "not-found",
    );
    expect(classifyFailureText("image pull failed: Manifest Unknown").kind).toBe("not-found");
    expect(classifyFailureText("Failed to pull image: NAME_UNKNOWN: repository 'api' not found").kind).toBe(
      "not-found",
    );
  });

  it("matches terms as whole words only (EOF is not inside a longer word)", () => {
    expect(classifyFailureText("failed to pull image x: unexpected EOF").kind).toBe("network");
    expect(classifyFailureText("failed to pull image x: geofence").kind).toBe("unknown");
  });

  it("reads a name validation of template.containers without .image as not a pull failure", () => {
    const verdict = classifyFailureText(
      "Field 'template.containers.api.probes' is invalid with details: 'unauthorized port'",
    );
    expect(verdict.kind).toBe("not-a-pull-failure");
  });

  it("prefers a network cause over ACR's DENIED code (the firewall answers 403 DENIED)", () => {
    expect(
      classifyFailureText("failed to pull image: DENIED: client with IP '1.2.3.4' is not allowed access").kind,
    ).toBe("network");
  });

  it("never reads empty text as a pull failure", () => {
    expect(classifyFailureText("").kind).toBe("not-a-pull-failure");
    expect(classifyFailureText(null).kind).toBe("not-a-pull-failure");
  });
});

describe("structured fields first", () => {
  it.each(terms.systemLogReasons)("a system log Reason %s is a pull failure even with a terse Log", (reason) => {
    expect(classifyPullFailure({ source: "system-log", reason, log: "Back-off" }).kind).toBe("unknown");
  });

  it("a system log row of another reason is not a pull failure unless its text is about a pull", () => {
    expect(classifyPullFailure({ source: "system-log", reason: "ContainerAppUpdate", log: "Updating" }).kind).toBe(
      "not-a-pull-failure",
    );
    expect(
      classifyPullFailure({
        source: "system-log",
        reason: "ContainerTerminated",
        log: "Container 'api' was terminated with exit code '1' and reason 'ProcessExited'",
      }).kind,
    ).toBe("not-a-pull-failure");
  });

  it("a replica container Waiting on ImagePullBackOff is a pull failure; PullingImage and a crash loop are not", () => {
    const waiting = (details: string) =>
      classifyPullFailure({ source: "replica-container", runningState: "Waiting", runningStateDetails: details }).kind;
    expect(waiting("Container is waiting with reason: ImagePullBackOff")).toBe("unknown");
    expect(waiting("Container is waiting with reason: ErrImagePull")).toBe("unknown");
    expect(waiting("PullingImage")).toBe("not-a-pull-failure");
    expect(waiting("Container is waiting with reason: CrashLoopBackOff")).toBe("not-a-pull-failure");
  });

  it("a running revision is never a pull failure by its Operation expired text alone", () => {
    const verdict = classifyPullFailure({
      source: "revision",
      provisioningState: "Provisioned",
      runningState: "Running",
      runningStateDetails: null,
      provisioningError: "Operation expired.",
    });
    expect(verdict.kind).toBe("not-a-pull-failure");
  });

  it("a failed job execution with no text is a possible pull failure; a succeeded one is not", () => {
    expect(classifyPullFailure({ source: "job-execution", status: "Failed", details: null }).kind).toBe("unknown");
    expect(classifyPullFailure({ source: "job-execution", status: "Succeeded", details: null }).kind).toBe(
      "not-a-pull-failure",
    );
  });
});

function failedRevision(
  provisioningError: string | null,
  containers: Array<{ runningState: string; runningStateDetails: string }>,
  runningStateDetails: string | null = null,
): RevisionFacts {
  return {
    name: "api--r1",
    provisioningState: "Failed",
    runningState: "Failed",
    runningStateDetails,
    healthState: "Unhealthy",
    provisioningError,
    createdTime: null,
    replicas: [
      {
        name: "api--r1-0",
        runningState: "NotRunning",
        runningStateDetails: null,
        containers: containers.map((c, i) => ({ name: `c${i}`, kind: "container" as const, restartCount: 0, ...c })),
      },
    ],
  };
}

describe("revisionPullFailure: a failed revision with its replicas", () => {
  it("reads the revision's runningStateDetails (1/1 Pending:ImagePullBackOff)", () => {
    expect(revisionPullFailure(failedRevision(null, [], "1/1 Pending:ImagePullBackOff")).kind).toBe("unknown");
  });

  it("lets the replicas decide a bare Operation expired: a crash loop is not a pull failure", () => {
    const crash = failedRevision("Operation expired.", [
      { runningState: "Waiting", runningStateDetails: "CrashLoopBackOff" },
    ]);
    expect(revisionPullFailure(crash).kind).toBe("not-a-pull-failure");
  });

  it("lets the replicas decide a bare Operation expired: ImagePullBackOff with ACR's words names the kind", () => {
    const pull = failedRevision("Operation expired.", [
      { runningState: "Waiting", runningStateDetails: 'Failed to pull image "a.azurecr.io/api:1": manifest unknown' },
    ]);
    expect(revisionPullFailure(pull).kind).toBe("not-found");
  });

  it("a failed revision with no text anywhere is not taken for a pull failure (a restart would be a guess)", () => {
    expect(revisionPullFailure(failedRevision(null, [])).kind).toBe("not-a-pull-failure");
  });

  it("keeps a bare Operation expired a possible pull failure when the replicas say nothing", () => {
    expect(revisionPullFailure(failedRevision("Operation expired.", [])).kind).toBe("unknown");
  });

  it("leaves a secret reference alone", () => {
    const secret = failedRevision(
      "Field 'configuration.secrets' is invalid with details: 'Invalid value: \"db\": Unable to get value using Managed identity system for secret db. Error: unable to fetch secret 'db' using Managed identity 'system'';.",
      [],
    );
    expect(revisionPullFailure(secret).kind).toBe("not-a-pull-failure");
  });
});

describe("a job's executions (v2)", () => {
  const execution = (name: string, status: string, startTime: string) => ({ name, status, startTime, endTime: null });
  const read = (...items: ReturnType<typeof execution>[]) => ({
    executions: { readable: true as const, found: true as const, items },
  });

  it("the newest execution that ended decides: Failed is a pull failure of unknown kind", () => {
    const facts = read(
      execution("nightly-3", "Running", "2026-11-22T02:00:00.000Z"),
      execution("nightly-2", "Failed", "2026-11-21T02:00:00.000Z"),
      execution("nightly-1", "Succeeded", "2026-11-20T02:00:00.000Z"),
    );
    expect(jobPullFailure(facts)).toEqual({
      execution: execution("nightly-2", "Failed", "2026-11-21T02:00:00.000Z"),
      verdict: { kind: "unknown", because: "execution Failed" },
    });
    expect(newestFailedExecution(facts)?.name).toBe("nightly-2");
  });

  it("a success after a failure: not a pull failure now, though the last failed execution is still named", () => {
    const facts = read(
      execution("nightly-3", "Succeeded", "2026-11-22T02:00:00.000Z"),
      execution("nightly-2", "Failed", "2026-11-21T02:00:00.000Z"),
    );
    expect(jobPullFailure(facts)?.verdict.kind).toBe("not-a-pull-failure");
    expect(newestFailedExecution(facts)?.name).toBe("nightly-2");
  });

  it("an app, executions not read, or none ended: nothing to say", () => {
    expect(jobPullFailure({ executions: null })).toBeNull();
    expect(jobPullFailure({ executions: { readable: false, resource: "x", message: "403" } })).toBeNull();
    expect(jobPullFailure(read(execution("nightly-1", "Processing", "2026-11-22T02:00:00.000Z")))).toBeNull();
    expect(newestFailedExecution({ executions: null })).toBeNull();
  });
});
