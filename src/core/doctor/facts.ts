/**
 * What `pullguard doctor` reads about a deployed PullGuard (src/azure/doctor-reads.ts fills it), as plain data: the
 * pure checks in ./checks decide from it alone. `null` means "read, and not there" (ARM answered 404).
 */
export interface DoctorRoleAssignment {
  id: string;
  scope: string;
  /** The role definition's GUID (last segment of roleDefinitionId), lower-case. */
  roleGuid: string;
  condition: string | null;
  conditionVersion: string | null;
}

export interface DoctorSubscription {
  subscriptionId: string;
  /** The subscription's state as ARM reports it (Enabled, Disabled, Warned, ...); null when it cannot be read. */
  state: string | null;
  /** PullGuard's identity's role assignments at this subscription's scope. */
  assignments: DoctorRoleAssignment[];
  /** The subscription's Microsoft.Resources.Subscriptions system topic, when there is one. */
  systemTopicId: string | null;
  /** The event subscription PullGuard's deployment names (GET as ARM returns it), or null when absent. */
  eventSubscription: Record<string, unknown> | null;
}

export interface DoctorFacts {
  functionApp: {
    id: string;
    name: string;
    defaultHostName: string | null;
    /** The azd environment (tag azd-env-name): names the event subscription and the action group. */
    environmentName: string | null;
    identityId: string | null;
  };
  /** PullGuard's user-assigned identity's principal ID, or null when the app carries none that exists. */
  principalId: string | null;
  /** The app settings (names and values; Key Vault references, never secret values). */
  settings: Record<string, string>;
  subscriptions: DoctorSubscription[];
  /** The pull-failure alert rules in PullGuard's resource group, as GET returns them. */
  alertRules: Array<Record<string, unknown>>;
  /** The action groups those rules call, by lower-cased ID (null: not found). */
  actionGroups: Record<string, Record<string, unknown> | null>;
  /** Storage accounts the settings name, by account name (null: not found in the app's subscription). */
  storageAccounts: Record<string, Record<string, unknown> | null>;
  /** Key Vault secrets the settings reference, by "vault/secret": whether the secret exists. */
  vaultSecrets: Record<string, boolean>;
}

export interface DoctorProblem {
  /** Which check found it (the names of ./checks). */
  check: string;
  /** What is wrong, in one sentence. */
  what: string;
  /** The az command or portal step that fixes it. */
  fix: string;
}

export interface DoctorCheck {
  name: string;
  /** What the check verifies, for the report. */
  title: string;
  run(facts: DoctorFacts): DoctorProblem[];
}
