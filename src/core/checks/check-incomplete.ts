/**
 * check-incomplete (warning, a tool code of cli.md): something the diagnosis of this path needs could not be read
 * (a 403 on a registry in another subscription, a user-assigned identity PullGuard may not read, role assignments,
 * the private network, the data plane refusing PullGuard's own identity). Evidence says what failed and which role
 * PullGuard would need. Never treated as a pass.
 *
 * Example: GET registry in another subscription → 403 AuthorizationFailed → warning "could not check the registry
 * (PullGuard needs Reader on it)".
 */
import type { Unreadable } from "../facts.js";
import type { Finding } from "../finding.js";
import { egressTo } from "../network/egress.js";
import { privatePath } from "../private-path.js";
import { foundRegistry, isCrossTenant } from "../pull-access.js";
import { principalOf } from "../pull-paths.js";
import { resourceNameOf } from "../resource-id.js";
import type { Check } from "./check.js";
import { findingOn, subject, theWorkload, unreadableEvidence } from "./check.js";

function incomplete(
  path: Parameters<Check["run"]>[0],
  what: string,
  u: Unreadable | null,
  neededRole: string | null,
  /** What was not read, quoted as evidence when there is no failed request to quote. */
  notRead: string = path.server,
): Finding {
  const role = u?.neededRole ?? neededRole;
  return findingOn("check-incomplete", path, {
    severity: "warning",
    message: `Could not check ${what} for ${subject(path)}${u ? `: ${u.message}` : ""}; this part is unproven, not passed.`,
    evidence: u ? [unreadableEvidence(u)] : [{ resource: notRead, path: "not read", value: what }],
    ...(role
      ? {
          fix: {
            summary: `give PullGuard's identity ${role} so it can check ${what}`,
            az: `az role assignment create --assignee <pullguard-principal-id> --role "${role}" --scope ${u?.resource ?? "<scope>"}`,
          },
        }
      : {}),
  });
}

type PathOf = Parameters<Check["run"]>[0];
type FactsOf = Parameters<Check["run"]>[1];
type FoundRegistry = NonNullable<ReturnType<typeof foundRegistry>>;

/** The registry and the identity of the path, when either could not be read. */
function registryAndIdentityGaps(path: PathOf, facts: FactsOf): Finding[] {
  const out: Finding[] = [];
  const read = path.registry;
  if (read === undefined) out.push(incomplete(path, "the registry (it was not read)", null, "Reader"));
  else if (!read.readable) out.push(incomplete(path, "the registry", read, "Reader"));

  const identity = path.identity;
  if (identity.kind === "user" && identity.unreadable) {
    out.push(incomplete(path, "the user-assigned identity", identity.unreadable, "Reader"));
  }
  if (identity.kind === "user" && identity.environmentUnknown && identity.state !== "not-found") {
    // v2: the identity is not on the app; it may be on the environment, whose identities are unknown.
    out.push(
      incomplete(
        path,
        `whether ${resourceNameOf(identity.id)} is attached to the managed environment (it is not on ${theWorkload(facts)}${
          identity.environmentUnknown.unreadable ? "" : "; the environment was not read"
        })`,
        identity.environmentUnknown.unreadable,
        "Reader",
        facts.app.environmentId ?? facts.app.id,
      ),
    );
  }
  if (identity.kind === "environment" && identity.unreadable) {
    out.push(incomplete(path, "the managed environment's identity", identity.unreadable, "Reader"));
  } else if (identity.kind === "environment" && facts.environment === null) {
    // Not read at all: without this the path would have no principal, no role findings and pass silently.
    out.push(
      incomplete(
        path,
        "the managed environment's identity (the environment was not read)",
        null,
        "Reader",
        facts.app.environmentId ?? facts.app.id,
      ),
    );
  }
  return out;
}

/** The identity's role assignments, when the registry and principal are known but the assignments are not. */
function assignmentGaps(path: PathOf, facts: FactsOf, registry: FoundRegistry): Finding[] {
  const out: Finding[] = [];
  const principal = principalOf(path.identity);
  const assignments = path.assignments;
  if (principal && path.entry && !isCrossTenant(path, facts)) {
    if (assignments === undefined)
      out.push(incomplete(path, "the identity's role assignments (they were not read)", null, "Reader", registry.id));
    else if (!assignments.readable)
      out.push(incomplete(path, "the identity's role assignments", assignments, "Reader"));
    else if (!assignments.found)
      out.push(incomplete(path, "the identity's role assignments", null, "Reader", registry.id));
  }
  return out;
}

/** The private path, the subnet's egress and a firewall PullGuard cannot judge without outbound IPs. */
function networkGaps(path: PathOf, facts: FactsOf, registry: FoundRegistry): Finding[] {
  const out: Finding[] = [];
  const needsRoute =
    registry.publicNetworkAccess.toLowerCase() === "disabled" || registry.defaultAction.toLowerCase() === "deny";
  const route = needsRoute ? privatePath(facts, registry) : null;
  if (route?.status === "unknown") {
    const first = route.unreadable[0] ?? null;
    out.push(incomplete(path, `the private path to ${registry.name} (${route.what})`, first, "Reader", registry.id));
  }
  // v2: the subnet's NSG or route table could not be read: egress is unproven, not passed.
  const egress = needsRoute && route?.status !== "unknown" ? egressTo(facts, registry) : null;
  if (egress && "unknown" in egress) {
    out.push(incomplete(path, "the NSG and route table of the environment's subnet", egress.unknown, "Reader"));
  }
  const firewallDecides =
    registry.publicNetworkAccess.toLowerCase() !== "disabled" && registry.defaultAction.toLowerCase() === "deny";
  if (firewallDecides && route?.status === "missing" && facts.app.outboundIpAddresses.length === 0) {
    out.push(
      findingOn("check-incomplete", path, {
        severity: "warning",
        message: `${registry.name}'s firewall denies by default, but ${theWorkload(facts)} reports no outbound IP addresses, so PullGuard cannot tell whether the firewall admits ${subject(path)}.`,
        evidence: [
          { resource: registry.id, path: "properties.networkRuleSet.defaultAction", value: registry.defaultAction },
          { resource: facts.app.id, path: "properties.outboundIpAddresses", value: [] },
        ],
      }),
    );
  }
  return out;
}

/** The image's tag check, when it did not run or gave no answer PullGuard can read. */
function imageGaps(path: PathOf, facts: FactsOf, registry: FoundRegistry): Finding[] {
  const out: Finding[] = [];
  if (path.image === null) return out;
  const manifest = facts.manifests[path.image];
  if (manifest === undefined)
    out.push(
      incomplete(
        path,
        "whether the image exists (the tag check did not run)",
        null,
        null,
        `https://${path.server}/v2/${path.ref?.repository ?? ""}/manifests/${path.ref?.digest ?? path.ref?.tag ?? "latest"}`,
      ),
    );
  else if (
    manifest.status === "unknown" ||
    // v2: "disallowed" without quarantine is no answer PullGuard can read (with it, image-quarantined reports).
    (manifest.status === "disallowed" && registry.quarantinePolicy.toLowerCase() !== "enabled")
  ) {
    out.push(
      incomplete(
        path,
        "whether the image exists",
        {
          readable: false,
          resource: `https://${path.server}/v2/${path.ref?.repository ?? ""}/manifests`,
          message: manifest.status === "unknown" ? manifest.reason : manifest.message,
        },
        manifest.status === "unknown" ? manifest.neededRole : null,
      ),
    );
  }
  return out;
}

export const checkIncomplete: Check = {
  code: "check-incomplete",
  run(path, facts) {
    if (!path.isAcr) return [];
    const registry = foundRegistry(path);
    return [
      ...registryAndIdentityGaps(path, facts),
      ...(registry
        ? [
            ...assignmentGaps(path, facts, registry),
            ...networkGaps(path, facts, registry),
            ...imageGaps(path, facts, registry),
          ]
        : []),
    ];
  },
};
