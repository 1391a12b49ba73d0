/** The registry resource, shared by the registry policy steps (enable-arm-audience-tokens, allow-registry-ips). */
import { isObject, type Json } from "../json-path.js";
import type { ArmCall } from "./step-module.js";

export const REGISTRY_POLICY_ROLE = "Container Registry Contributor and Data Access Configuration Administrator";

export function readRegistry(registryId: string): ArmCall {
  return { method: "GET", path: registryId, api: "registries" };
}

export function existingRegistry(registryId: string, registry: unknown): Json {
  if (!isObject(registry)) throw new Error(`registry ${registryId} no longer exists`);
  return registry;
}

export function registryPatch(registryId: string, properties: Json): ArmCall {
  return { method: "PATCH", path: registryId, api: "registries", body: { properties } };
}
