import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { CliDeps } from "../../src/cli/deps.js";
import { CouldNotRunError } from "../../src/cli/errors.js";
import { EXIT } from "../../src/cli/exit-codes.js";
import { runCli } from "../../src/cli/main.js";

function captured(commands: Partial<CliDeps["commands"]> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const unused = async () => {
    throw new Error("not expected in this test");
  };
  const deps: CliDeps = {
    version: "9.9.9",
    io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), interactive: false, ask: unused },
    commands: {
      check: unused,
      fix: unused,
      notify: unused,
      emulator: unused,
      demo: unused,
      doctor: unused,
      ...commands,
    },
  };
  return { deps, out: () => out.join(""), err: () => err.join("") };
}

describe("pullguard CLI skeleton", () => {
  it("lists every command of cli.md in --help and exits 0", async () => {
    const io = captured();
    expect(await runCli(["--help"], io.deps)).toBe(EXIT.ok);
    for (const command of ["check", "fix", "notify", "emulator", "demo", "doctor"]) expect(io.out()).toContain(command);
  });

  it("exits 1 with a pointer to the help for an unknown command", async () => {
    const io = captured();
    expect(await runCli(["chek"], io.deps)).toBe(EXIT.couldNotRun);
    expect(io.err()).toContain("unknown command 'chek'");
    expect(io.err()).toContain("pullguard --help");
  });

  it("passes the command's own exit code through", async () => {
    const io = captured({ check: async () => EXIT.broken });
    expect(await runCli(["check", "/subscriptions/x"], io.deps)).toBe(EXIT.broken);
  });

  it("turns a could-not-run error into exit 1 with the next step", async () => {
    const io = captured({
      check: async () => {
        throw new CouldNotRunError("Azure did not answer", "check your network and run `az login`");
      },
    });
    expect(await runCli(["check", "/subscriptions/x"], io.deps)).toBe(EXIT.couldNotRun);
    expect(io.err()).toBe("pullguard: Azure did not answer\nnext: check your network and run `az login`\n");
  });

  it("refuses a notify channel it does not know, naming the choices", async () => {
    const io = captured();
    expect(await runCli(["notify", "--preview", "--channel", "email", "/subscriptions/x"], io.deps)).toBe(
      EXIT.couldNotRun,
    );
    expect(io.err()).toContain("teams, slack, webhook");
  });

  it("answers `npx pullguard --help` from the built bin", () => {
    const run = spawnSync(process.execPath, ["bin/pullguard.js", "--help"], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("Usage: pullguard");
    expect(run.stdout).toContain("check");
  });
});

describe("pullguard's error boundary for Azure failures", () => {
  it("no credential (DefaultAzureCredential's chain failed): one line, az login or --world as the next step", async () => {
    const { AggregateAuthenticationError, CredentialUnavailableError } = await import("@azure/identity");
    const io = captured({
      check: async () => {
        throw new AggregateAuthenticationError(
          [new CredentialUnavailableError("Azure CLI could not be found.")],
          "ChainedTokenCredential authentication failed.",
        );
      },
    });
    expect(await runCli(["check", "/subscriptions/x"], io.deps)).toBe(EXIT.couldNotRun);
    expect(io.err()).toBe(
      "pullguard: no Azure credential could sign in (AggregateAuthenticationError: ChainedTokenCredential authentication failed.)\n" +
        "next: run `az login` (or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET), or pass --world <file> to run against the emulator\n",
    );
  });

  it("a subscription the identity cannot see (404 SubscriptionNotFound): says so and how to check", async () => {
    const { RestError } = await import("@azure/core-rest-pipeline");
    const io = captured({
      check: async () => {
        throw new RestError("The subscription '0b1c...' could not be found.", {
          code: "SubscriptionNotFound",
          statusCode: 404,
        });
      },
    });
    expect(await runCli(["check", "/subscriptions/x"], io.deps)).toBe(EXIT.couldNotRun);
    expect(io.err()).toContain("pullguard: the subscription is not visible to your identity (SubscriptionNotFound)");
    expect(io.err()).toContain("next: check the subscription ID with `az account list`");
  });

  it("anything else is a bug: shown with its stack", async () => {
    const io = captured({
      check: async () => {
        throw new TypeError("cannot read properties of undefined");
      },
    });
    expect(await runCli(["check", "/subscriptions/x"], io.deps)).toBe(EXIT.couldNotRun);
    expect(io.err()).toContain("unexpected error (this is a bug");
    expect(io.err()).toMatch(/\n\s+at /);
  });
});
