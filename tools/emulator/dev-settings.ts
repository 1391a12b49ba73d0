/**
 * The dev-only settings that point PullGuard (the CLI, the function app, a test playing its host) at a running
 * emulator: its ARM endpoint, the CA file to trust, the address *.azurecr.io is redirected to, and who PullGuard runs
 * as (the world's caller, or the operator). One definition for `pullguard emulator`, the demo and the tests.
 */
import { DEFAULT_OPERATOR } from "./ids.js";
import type { Emulator } from "./index.js";

export interface DevSettings {
  /** PullGuard's principal in the emulator (PULLGUARD_DEV_PRINCIPAL_ID). */
  principalId: string;
  tenantId: string;
  subscriptions: string[];
  /** The settings by name, PULLGUARD_SUBSCRIPTIONS included. */
  env: Record<string, string>;
}

export function devSettings(emulator: Pick<Emulator, "endpoint" | "port" | "state">, caFile: string): DevSettings {
  const caller = emulator.state.caller;
  const principalId = caller?.principalId ?? DEFAULT_OPERATOR;
  const tenantId = caller?.tenantId ?? emulator.state.tenants[0]?.tenantId ?? "";
  const subscriptions = emulator.state.tenants.flatMap((t) => t.subscriptions);
  return {
    principalId,
    tenantId,
    subscriptions,
    env: {
      PULLGUARD_DEV_ARM_ENDPOINT: emulator.endpoint,
      PULLGUARD_DEV_CA_FILE: caFile,
      PULLGUARD_DEV_REGISTRY_ADDRESS: `127.0.0.1:${emulator.port}`,
      PULLGUARD_DEV_PRINCIPAL_ID: principalId,
      PULLGUARD_DEV_TENANT_ID: tenantId,
      PULLGUARD_SUBSCRIPTIONS: subscriptions.join(","),
    },
  };
}
