/**
 * The shipped built-in role snapshot (src/core/built-in-role-definitions.ts) against the two other places that name
 * these roles: the spec's GUID table (spec/pull-path.md, "Roles") and the emulator's table
 * (tools/emulator/builtin-roles.ts), and against the pull rule it feeds (roles.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILT_IN_SNAPSHOT_GUIDS, builtInRoleDefinition } from "../../src/core/built-in-role-definitions.js";
import { pullGrant, ROLE_NAMES } from "../../src/core/roles.js";
import { BUILT_IN_ROLES } from "../../tools/emulator/builtin-roles.js";

/** Rows of the spec's roles table: role name → GUID, and whether it names pull in either mode. */
function specRoles(): Array<{ roleName: string; guid: string; pullColumns: string }> {
  const spec = readFileSync(join(import.meta.dirname, "..", "..", "spec", "pull-path.md"), "utf8");
  const section = spec.slice(spec.indexOf("## Roles"), spec.indexOf("\n## ", spec.indexOf("## Roles") + 3));
  return [...section.matchAll(/^\| ([^|]+?) \| ([0-9a-f-]{36}) \|([^\n]*)$/gm)].map((m) => ({
    roleName: m[1] ?? "",
    guid: m[2] ?? "",
    pullColumns: m[3] ?? "",
  }));
}

const sorted = (values: readonly string[]) => [...values].sort();

describe("the built-in role snapshot", () => {
  it("has the spec's GUID and name for each of its roles, and every spec role that decides a pull", () => {
    const rows = specRoles();
    expect(rows.length).toBeGreaterThanOrEqual(15);
    for (const guid of BUILT_IN_SNAPSHOT_GUIDS) {
      const row = rows.find((r) => r.guid === guid);
      expect(row, `spec row for ${guid}`).toBeDefined();
      expect(builtInRoleDefinition(guid)?.roleName).toBe(row?.roleName);
      expect(ROLE_NAMES[guid]).toBe(row?.roleName);
    }
    // The roles whose pull columns say anything (not the fixer's own roles, in parentheses), except the one left out
    // on purpose (Data Importer and Data Reader: the sources disagree, so it is read from the tenant).
    const pullRoles = rows.filter((r) => !r.pullColumns.trim().startsWith("(")).map((r) => r.guid);
    expect(sorted(pullRoles.filter((g) => !BUILT_IN_SNAPSHOT_GUIDS.includes(g)))).toEqual([
      "577a9874-89fd-4f24-9dbd-b5034d0ad23a",
    ]);
  });

  it("matches the emulator's permissions for every role it ships", () => {
    for (const guid of BUILT_IN_SNAPSHOT_GUIDS) {
      const shipped = builtInRoleDefinition(guid);
      const emulated = BUILT_IN_ROLES.find((r) => r.guid === guid);
      expect(emulated, `emulator role ${guid}`).toBeDefined();
      expect(shipped?.roleName).toBe(emulated?.roleName);
      const normalise = (permissions: NonNullable<typeof shipped>["permissions"]) =>
        permissions.map((p) => ({
          actions: sorted(p.actions),
          notActions: sorted(p.notActions),
          dataActions: sorted(p.dataActions),
          notDataActions: sorted(p.notDataActions),
        }));
      expect(normalise(shipped?.permissions ?? []), emulated?.roleName).toEqual(normalise(emulated?.permissions ?? []));
    }
  });

  it("grants pull as the spec's table says, and answers nothing for another GUID", () => {
    const grant = (guid: string, mode: "legacy" | "abac") => pullGrant(builtInRoleDefinition(guid), guid, mode);
    expect(grant("7f951dda-4ed3-4680-a7ca-43fe172d538d", "legacy")).toBe("grants"); // AcrPull
    expect(grant("7f951dda-4ed3-4680-a7ca-43fe172d538d", "abac")).toBe("no");
    expect(grant("acdd72a7-3385-48ef-bd42-f606fba81ae7", "legacy")).toBe("grants"); // Reader, through */read
    expect(grant("b24988ac-6180-42a0-ab88-20f7382dd24c", "legacy")).toBe("grants"); // Contributor
    expect(grant("b93aa761-3e63-49ed-ac28-beffa264f7ac", "abac")).toBe("grants"); // Repository Reader
    expect(grant("b93aa761-3e63-49ed-ac28-beffa264f7ac", "legacy")).toBe("no");
    expect(grant("cdda3590-29a3-44f6-95f2-9f980659eb04", "legacy")).toBe("no"); // AcrQuarantineReader
    expect(grant("bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7", "abac")).toBe("no"); // Catalog Lister
    expect(builtInRoleDefinition("0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f")).toBeUndefined();
    expect(builtInRoleDefinition("577a9874-89fd-4f24-9dbd-b5034d0ad23a")).toBeUndefined();
  });

  it("keeps the ID the assignment names (subscription-scoped or not) and hands out copies", () => {
    const scoped =
      "/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/7F951DDA-4ED3-4680-A7CA-43FE172D538D";
    expect(builtInRoleDefinition(scoped)).toMatchObject({
      id: scoped,
      guid: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
      roleType: "BuiltInRole",
    });
    expect(builtInRoleDefinition("7f951dda-4ed3-4680-a7ca-43fe172d538d")?.id).toBe(
      "/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d",
    );
    const first = builtInRoleDefinition(scoped);
    first?.permissions[0]?.actions.push("*");
    expect(builtInRoleDefinition(scoped)?.permissions[0]?.actions).toEqual([
      "Microsoft.ContainerRegistry/registries/pull/read",
    ]);
  });
});
