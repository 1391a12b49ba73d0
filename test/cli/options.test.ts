import { describe, expect, it } from "vitest";
import { appIdArgument } from "../../src/cli/commands/options.js";
import { UsageError } from "../../src/cli/errors.js";

const SUB = "6d1f0e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a";
const id = (sub: string, group: string, name: string) =>
  `/subscriptions/${sub}/resourceGroups/${group}/providers/Microsoft.App/containerApps/${name}`;

describe("appIdArgument: the one workload-ID parser plus the CLI's rules for each part", () => {
  it("accepts a container app ID (trimmed, casing kept)", () => {
    expect(appIdArgument(`  ${id(SUB, "rg-Checkout(1).a", "Checkout-web")}  `)).toBe(
      id(SUB, "rg-Checkout(1).a", "Checkout-web"),
    );
  });

  it("v2: accepts a job's ID", () => {
    const job = id(SUB, "rg-batch", "nightly-export").replace("containerApps", "jobs");
    expect(appIdArgument(job)).toBe(job);
  });

  it.each([
    ["a subscription that is no GUID", id("not-a-guid", "rg", "web")],
    ["a group name with a character Azure refuses", id(SUB, "rg!", "web")],
    ["an app name that starts with a digit", id(SUB, "rg", "1web")],
    ["an app name over 32 characters", id(SUB, "rg", `w${"a".repeat(32)}`)],
    ["a '..' segment", id(SUB, "..", "web")],
    ["another resource type", id(SUB, "rg", "web").replace("Microsoft.App/containerApps", "Microsoft.Web/sites")],
    ["a job name that starts with a digit", id(SUB, "rg", "1nightly").replace("containerApps", "jobs")],
    ["a child of a job", `${id(SUB, "rg", "nightly").replace("containerApps", "jobs")}/executions/nightly-1`],
    ["a child of the app", `${id(SUB, "rg", "web")}/revisions/web--r1`],
    ["a bare name", "web"],
  ])("refuses %s with a UsageError that shows the expected shape", (_what, value) => {
    expect(() => appIdArgument(value)).toThrow(UsageError);
    expect(() => appIdArgument(value)).toThrow(
      /is not a container app or job resource ID; expected \/subscriptions\/.*az containerapp show .*--query id.* or \/subscriptions\/.*\/providers\/Microsoft\.App\/jobs\/<name> \(az containerapp job show -n <name> -g <group> --query id -o tsv\)$/,
    );
  });
});
