/**
 * The emulator's registry data plane, proven with an OCI client nobody here wrote: skopeo (the Debian package;
 * .ci/run installs it). skopeo logs in the way `az acr login` makes docker do (Azure/acr docs/AAD-OAuth.md): user
 * 00000000-0000-0000-0000-000000000000 with an ACR refresh token from POST /oauth2/exchange as password, which it
 * trades at GET /oauth2/token with Basic auth after the 401 challenge; then it reads manifests, indexes and blobs and
 * checks every digest against the bytes.
 *
 * How skopeo reaches a `*.azurecr.io` registry without DNS: the emulator serves that registry's data plane on a port
 * of its own (`exposeRegistry`), and skopeo is given `127.0.0.1:<port>/<repo>:<tag>`. The challenge's realm names
 * that same address and its service the login server, so the token request goes back to the emulator and the token's
 * audience is still the registry. TLS is verified: `--cert-dir` holds the emulator's certificate as ca.crt (its SAN
 * covers 127.0.0.1). No /etc/hosts entry, no --tls-verify=false.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../tools/emulator/index.js";
import { REGISTRY_ID, shopWorld, UAMI_PRINCIPAL } from "./helpers.js";

const run = promisify(execFile);
const HOST = "contosoprod.azurecr.io";
const NULL_GUID = "00000000-0000-0000-0000-000000000000";

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function world(): Record<string, unknown> {
  const w = shopWorld();
  const registry = (w.resources as Array<{ id: string; properties: Record<string, unknown> }>).find(
    (r) => r.id === REGISTRY_ID,
  );
  if (!registry) throw new Error("shopWorld has no registry");
  registry.properties.policies = { quarantinePolicy: { status: "enabled" } };
  return {
    ...w,
    registryContent: {
      [HOST]: {
        "orders/api": {
          "1.4.2": {},
          multi: { platforms: ["linux/amd64", "linux/arm64/v8"] },
          "multi-docker": { platforms: ["linux/amd64", "linux/arm64"], format: "docker" },
          "laptop-build": { platforms: ["linux/arm64"] },
          "1.5.0-rc": { quarantineState: "Quarantined" },
        },
      },
    },
  };
}

describe("skopeo against the emulator's registry", () => {
  let emu: Emulator;
  let address: string;
  let dir: string;
  let refreshToken: string;

  async function skopeo(args: string[]): Promise<Ran> {
    const global = ["--policy", join(dir, "policy.json"), "--tmpdir", join(dir, "tmp")];
    try {
      const { stdout, stderr } = await run("skopeo", [...global, ...args], {
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: dir,
          XDG_RUNTIME_DIR: dir,
          CONTAINERS_REGISTRIES_CONF: join(dir, "registries.conf"),
        },
        maxBuffer: 10 * 1024 * 1024,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number | string; stdout?: string; stderr?: string };
      if (e.code === "ENOENT") {
        throw new Error(
          "skopeo is not installed: this test proves the emulator's data plane with a real OCI client and does not " +
            "skip. Install it with `apt-get install skopeo` (.ci/run does).",
        );
      }
      return { code: Number(e.code ?? 1), stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
  }

  const creds = () => ["--cert-dir", join(dir, "certs"), "--creds", `${NULL_GUID}:${refreshToken}`];
  const image = (tag: string) => `docker://${address}/orders/api:${tag}`;

  beforeAll(async () => {
    emu = await startEmulator(world());
    ({ address } = await emu.exposeRegistry(HOST));
    dir = await mkdtemp(join(tmpdir(), "pullguard-skopeo-"));
    await run("mkdir", ["-p", join(dir, "certs"), join(dir, "tmp")]);
    await writeFile(join(dir, "certs", "ca.crt"), emu.caPem);
    await writeFile(join(dir, "registries.conf"), "");
    // Signature policy only (which images may be copied); TLS stays verified against ca.crt.
    await writeFile(join(dir, "policy.json"), JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
    const aad = (await emu.credentialFor(UAMI_PRINCIPAL).getToken("https://management.azure.com/.default"))?.token;
    const request = createPipelineRequest({
      url: `https://${HOST}/oauth2/exchange`,
      method: "POST",
      headers: createHttpHeaders({ "content-type": "application/x-www-form-urlencoded" }),
      body: new URLSearchParams({ grant_type: "access_token", service: HOST, access_token: aad ?? "" }).toString(),
    });
    const answer = await emu.httpClient.sendRequest(request);
    expect(answer.status).toBe(200);
    refreshToken = (JSON.parse(answer.bodyAsText ?? "{}") as { refresh_token: string }).refresh_token;
  });

  afterAll(async () => {
    await emu?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("inspects a single-platform image through the docker-login flow (GET /oauth2/token with Basic auth)", async () => {
    emu.log.clear();
    const ran = await skopeo(["inspect", ...creds(), image("1.4.2")]);
    expect(ran.stderr).toBe("");
    expect(ran.code).toBe(0);
    const info = JSON.parse(ran.stdout) as Record<string, unknown>;
    expect(info).toMatchObject({
      Architecture: "amd64",
      Os: "linux",
      RepoTags: ["1.4.2", "1.5.0-rc", "laptop-build", "multi", "multi-docker"],
    });
    expect(info.Layers).toEqual([expect.stringMatching(/^sha256:[0-9a-f]{64}$/)]);
    const data = emu.log.entries().filter((e) => e.plane === "data");
    expect(data.some((e) => e.method === "GET" && e.path.startsWith("/oauth2/token?") && e.status === 200)).toBe(true);
  });

  it("reads an image index raw, and picks the arm64 manifest from it with --override-arch", async () => {
    const raw = await skopeo(["inspect", "--raw", ...creds(), image("multi")]);
    expect(raw.code).toBe(0);
    const index = JSON.parse(raw.stdout) as { mediaType: string; manifests: Array<{ platform: unknown }> };
    expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(index.manifests.map((m) => m.platform)).toEqual([
      { architecture: "amd64", os: "linux" },
      { architecture: "arm64", os: "linux", variant: "v8" },
    ]);
    const arm = await skopeo(["--override-arch", "arm64", "inspect", ...creds(), image("multi")]);
    expect(arm.code).toBe(0);
    expect(JSON.parse(arm.stdout)).toMatchObject({ Architecture: "arm64", Os: "linux" });
    const armConfig = await skopeo(["--override-arch", "arm64", "inspect", "--config", ...creds(), image("multi")]);
    expect(JSON.parse(armConfig.stdout)).toMatchObject({ architecture: "arm64", os: "linux", variant: "v8" });
    const docker = await skopeo(["inspect", "--raw", ...creds(), image("multi-docker")]);
    expect(JSON.parse(docker.stdout)).toMatchObject({
      mediaType: "application/vnd.docker.distribution.manifest.list.v2+json",
    });
  });

  it("finds no linux/amd64 image in an arm64-only tag", async () => {
    const ran = await skopeo(["inspect", "--config", ...creds(), image("laptop-build")]);
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ os: "linux", architecture: "arm64" });
  });

  it("copies a single-platform image and a whole index to oci: and dir: targets, digests verified", async () => {
    const single = await skopeo([
      "copy",
      "--src-cert-dir",
      join(dir, "certs"),
      "--src-creds",
      `${NULL_GUID}:${refreshToken}`,
      image("1.4.2"),
      `dir:${join(dir, "single")}`,
    ]);
    expect(single.stderr).toBe("");
    expect(single.code).toBe(0);
    const files = await readdir(join(dir, "single"));
    expect(files).toEqual(expect.arrayContaining(["manifest.json", "version"]));
    expect(files.filter((f) => /^[0-9a-f]{64}$/.test(f))).toHaveLength(2); // config + layer

    const all = await skopeo([
      "copy",
      "--all",
      "--src-cert-dir",
      join(dir, "certs"),
      "--src-creds",
      `${NULL_GUID}:${refreshToken}`,
      image("multi"),
      `oci:${join(dir, "layout")}:multi`,
    ]);
    expect(all.code).toBe(0);
    const layout = JSON.parse(await readFile(join(dir, "layout", "index.json"), "utf8")) as {
      manifests: Array<{ mediaType: string }>;
    };
    expect(layout.manifests[0]?.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    const blobs = await readdir(join(dir, "layout", "blobs", "sha256"));
    expect(blobs).toHaveLength(7); // index, 2 manifests, 2 configs, 2 layers
  });

  it("gets 401 UNAUTHORIZED without credentials", async () => {
    const ran = await skopeo(["inspect", "--no-creds", "--cert-dir", join(dir, "certs"), image("1.4.2")]);
    expect(ran.code).not.toBe(0);
    expect(ran.stderr).toMatch(/unauthorized|401/i);
    expect(ran.stderr).toContain("authentication required");
  });

  it("sees a quarantined tag as an unknown manifest (404 MANIFEST_UNKNOWN), as ACR hides it", async () => {
    const ran = await skopeo(["inspect", ...creds(), image("1.5.0-rc")]);
    expect(ran.code).not.toBe(0);
    expect(ran.stderr).toMatch(/manifest unknown/i);
  });
});
