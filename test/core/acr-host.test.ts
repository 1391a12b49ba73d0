/**
 * The one ACR host rule (src/core/acr-host.ts), on the endpoint forms of Microsoft's endpoint reference
 * (container-registry-endpoint-reference, "Endpoint types") in the public, China and US Government clouds.
 */
import { describe, expect, it } from "vitest";
import { globalLoginServer, isAcrHost, isAcrLoginServer, isAcrPrivateZone } from "../../src/core/acr-host.js";
import { type AppSummary, appsPullingFrom } from "../../src/core/app-summary.js";

describe("ACR host names", () => {
  it("a global or regional endpoint is a login server in every cloud; a data endpoint or another registry is not", () => {
    for (const host of [
      "contosoprod.azurecr.io",
      "ContosoProd.azurecr.io",
      "contosoprod.azurecr.cn",
      "contosoprod.azurecr.us",
      "contosoprod.eastus.geo.azurecr.io",
      "contosoprod.chinanorth3.geo.azurecr.cn",
    ]) {
      expect(isAcrLoginServer(host), host).toBe(true);
    }
    for (const host of [
      "contosoprod.eastus.data.azurecr.io",
      "docker.io",
      "ghcr.io",
      "contosoprod.azurecr.io.evil.example",
      "azurecr.io",
    ]) {
      expect(isAcrLoginServer(host), host).toBe(false);
    }
  });

  it("every endpoint form (data endpoints too) is an ACR host; look-alikes are not", () => {
    expect(isAcrHost("contosoprod.westeurope.data.azurecr.io")).toBe(true);
    expect(isAcrHost("contosoprod.azurecr.us")).toBe(true);
    expect(isAcrHost("contosoprod.azurecr.io.evil.example")).toBe(false);
    expect(isAcrHost("notazurecr.io")).toBe(false);
  });

  it("a regional endpoint maps to the registry's global login server; anything else stays as it is, lower case", () => {
    expect(globalLoginServer("ContosoProd.EastUS.geo.azurecr.io")).toBe("contosoprod.azurecr.io");
    expect(globalLoginServer("contosoprod.usgovvirginia.geo.azurecr.us")).toBe("contosoprod.azurecr.us");
    expect(globalLoginServer("ContosoProd.azurecr.io")).toBe("contosoprod.azurecr.io");
    expect(globalLoginServer("contosoprod.eastus.data.azurecr.io")).toBe("contosoprod.eastus.data.azurecr.io");
  });

  it("ACR's private DNS zone in each cloud", () => {
    expect(isAcrPrivateZone("privatelink.azurecr.io")).toBe(true);
    expect(isAcrPrivateZone("privatelink.azurecr.cn")).toBe(true);
    expect(isAcrPrivateZone("privatelink.blob.core.windows.net")).toBe(false);
  });

  it("an app pulling through a regional endpoint is found by its registry's login server", () => {
    const app = (id: string, hosts: string[]): AppSummary => ({
      kind: "app",
      id,
      name: id,
      environmentId: null,
      provisioningState: "Succeeded",
      latestRevisionName: null,
      latestReadyRevisionName: null,
      trigger: null,
      registryHosts: hosts,
      identityRefs: [],
      tags: {},
    });
    const apps = [
      app("regional", ["contosoprod.eastus.geo.azurecr.io"]),
      app("global", ["contosoprod.azurecr.io"]),
      app("other", ["fabrikam.azurecr.io"]),
    ];
    expect(appsPullingFrom(apps, ["contosoprod.azurecr.io"]).map((a) => a.id)).toEqual(["regional", "global"]);
  });
});
