/**
 * Who PullGuard talks to: real Azure (DefaultAzureCredential: the function app's user-assigned identity in Azure,
 * `az login` on a laptop) or, with the dev-only settings, the project's emulator.
 */
import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { DefaultAzureCredential } from "@azure/identity";
import type { Settings } from "../config.js";
import { AZURE_RESOURCE_MANAGER } from "./clients.js";
import { createDevBackend } from "./dev-backend.js";

export interface Backend {
  endpoint: string;
  credential: TokenCredential;
  httpClient?: HttpClient;
}

export function backendFromSettings(settings: Pick<Settings, "dev" | "azureClientId">): Backend {
  if (settings.dev) return createDevBackend(settings.dev);
  return {
    endpoint: AZURE_RESOURCE_MANAGER,
    credential: new DefaultAzureCredential(
      settings.azureClientId ? { managedIdentityClientId: settings.azureClientId } : {},
    ),
  };
}
