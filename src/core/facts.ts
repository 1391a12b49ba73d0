/**
 * PullFacts: everything PullGuard read about one container app's pull path, in a shape the pure checks can use.
 *
 * `src/azure` builds it from ARM and data-plane answers (`readPullFacts`); `src/core` only reads it. Every field is a
 * plain value (no SDK classes, no Dates) so a diagnosis is reproducible from a JSON snapshot of its facts.
 * IDs are kept in the casing ARM returned; compare them with `sameId` (resource-id.ts).
 */
import type { WorkloadKind } from "./resource-id.js";

/** Something PullGuard could not read. Becomes a `check-incomplete` finding, never a silent pass. */
export interface Unreadable {
  readable: false;
  /** The resource or request that failed. */
  resource: string;
  /** HTTP status, when there was an answer. */
  status?: number;
  /** ARM / ACR error code, e.g. AuthorizationFailed. */
  errorCode?: string;
  message: string;
  /** The role PullGuard's identity would need to read it, when known. */
  neededRole?: string;
}

/** The resource does not exist (ARM answered 404). */
export interface NotFound {
  readable: true;
  found: false;
  resource: string;
}

export type Read<T> = (T & { readable: true; found: true }) | NotFound | Unreadable;

/** Whether a read found its resource (false for NotFound, Unreadable and a read not made). */
export const isFound = <T>(read: Read<T> | null | undefined): read is T & { readable: true; found: true } =>
  !!read && read.readable && read.found;

export interface ManagedIdentityFacts {
  /** As ARM returns it: "None", "SystemAssigned", "UserAssigned", "SystemAssigned,UserAssigned" (any case/spacing). */
  type: string;
  principalId: string | null;
  tenantId: string | null;
  userAssigned: Array<{ id: string; principalId: string | null; clientId: string | null }>;
}

export interface RegistryEntryFacts {
  server: string;
  /** "system", "system-environment", a UAMI resource ID, or null/"" when credentials are used. */
  identity: string | null;
  username: string | null;
  passwordSecretRef: string | null;
}

export interface ContainerFacts {
  name: string;
  image: string;
  kind: "container" | "init";
}

/**
 * v2: a job's trigger (`configuration.triggerType`: Manual, Schedule, Event) and, for a scheduled job,
 * `configuration.scheduleTriggerConfig.cronExpression` (five fields, UTC).
 */
export interface JobTriggerFacts {
  type: string;
  cronExpression: string | null;
}

/**
 * The workload (v2: a container app or a container apps job; "app" in the names below means either). A job has no
 * revisions: `latestRevisionName` and `latestReadyRevisionName` are null; its runs are executions
 * (`PullFacts.executions`). A job has `outboundIpAddresses` too (the SDK's `Job` model, 2025-07-01).
 */
export interface AppFacts {
  /** v2: which kind of workload the ID names. */
  kind: WorkloadKind;
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
  environmentId: string | null;
  provisioningState: string | null;
  latestRevisionName: string | null;
  latestReadyRevisionName: string | null;
  outboundIpAddresses: string[];
  identity: ManagedIdentityFacts;
  registries: RegistryEntryFacts[];
  secretNames: string[];
  containers: ContainerFacts[];
  /** v2: the job's trigger; null for a container app. */
  trigger: JobTriggerFacts | null;
}

/**
 * v2: one execution of a job (`GET .../jobs/{job}/executions`), as ARM returns it. `status`: Running, Processing,
 * Stopped, Degraded, Failed, Unknown, Succeeded (an open string). Times are ISO strings or null.
 */
export interface JobExecutionFacts {
  name: string;
  status: string | null;
  startTime: string | null;
  endTime: string | null;
}

export interface EnvironmentFacts {
  id: string;
  name: string;
  identity: ManagedIdentityFacts;
  /** vnetConfiguration.infrastructureSubnetId, when VNet-integrated. */
  infrastructureSubnetId: string | null;
  internal: boolean;
}

export interface UserAssignedIdentityFacts {
  id: string;
  principalId: string;
  clientId: string;
  tenantId: string;
}

export interface RegistryFacts {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  loginServer: string;
  sku: string | null;
  adminUserEnabled: boolean;
  /** "Enabled" | "Disabled" (absent = Enabled). */
  publicNetworkAccess: string;
  /** networkRuleSet.defaultAction: "Allow" | "Deny" (absent = Allow). */
  defaultAction: string;
  ipRules: Array<{ action: string; value: string }>;
  networkRuleBypassOptions: string | null;
  anonymousPullEnabled: boolean;
  /** "LegacyRegistryPermissions" (default) | "AbacRepositoryPermissions". */
  roleAssignmentMode: string;
  /** policies.azureADAuthenticationAsArmPolicy.status: "enabled" (default) | "disabled". */
  armAudienceTokens: string;
  /** policies.quarantinePolicy.status: "enabled" | "disabled". */
  quarantinePolicy: string;
  dataEndpointEnabled: boolean;
  privateEndpointConnections: Array<{ privateEndpointId: string; status: string }>;
  /** Locations of the registry and its replications (each adds a `<name>.<region>.data` endpoint). */
  replicationLocations: string[];
}

export interface RoleAssignmentFacts {
  id: string;
  name: string;
  scope: string;
  /** Full role definition ID as ARM returns it. */
  roleDefinitionId: string;
  principalId: string;
  /** User, Group, ServicePrincipal, ForeignGroup, Device. */
  principalType: string;
  condition: string | null;
  conditionVersion: string | null;
  /** ISO time; null means old (a missing createdOn is never fresh). */
  createdOn: string | null;
}

export interface RoleDefinitionFacts {
  id: string;
  /** The GUID (the last segment of the ID), lower case. */
  guid: string;
  roleName: string;
  /** "BuiltInRole" | "CustomRole". */
  roleType: string;
  permissions: Array<{ actions: string[]; notActions: string[]; dataActions: string[]; notDataActions: string[] }>;
}

export interface ReplicaContainerFacts {
  name: string;
  kind: "container" | "init";
  runningState: string | null;
  runningStateDetails: string | null;
  restartCount: number | null;
}

export interface RevisionFacts {
  name: string;
  provisioningState: string | null;
  runningState: string | null;
  /** v2: the revision's own details, e.g. `1/1 Pending:ImagePullBackOff` or `Deployment Progress Deadline Exceeded`. */
  runningStateDetails?: string | null;
  healthState: string | null;
  provisioningError: string | null;
  createdTime: string | null;
  replicas: Array<{
    name: string;
    runningState: string | null;
    runningStateDetails: string | null;
    containers: ReplicaContainerFacts[];
  }>;
}

export interface PrivateEndpointFacts {
  id: string;
  subnetId: string | null;
  connections: Array<{ privateLinkServiceId: string; status: string | null }>;
}

export interface VirtualNetworkFacts {
  id: string;
  peerings: Array<{ remoteVirtualNetworkId: string; peeringState: string | null }>;
  /** v2: `dhcpOptions.dnsServers`; empty = Azure-provided DNS (absent in facts written before v2). */
  dnsServers?: string[];
  /** v2: subnets with the NSG and route table associated with each (absent in facts written before v2). */
  subnets?: SubnetFacts[];
}

export interface SubnetFacts {
  id: string;
  addressPrefixes: string[];
  networkSecurityGroupId: string | null;
  routeTableId: string | null;
}

/** v2: a network security group's own rules (the default rules are implied, see core/network/nsg.ts). */
export interface SecurityRuleFacts {
  name: string;
  priority: number;
  /** "Inbound" | "Outbound". */
  direction: string;
  /** "Allow" | "Deny". */
  access: string;
  /** "Tcp", "Udp", "Icmp", "Esp", "Ah" or "*". */
  protocol: string;
  /** `sourceAddressPrefix` and `sourceAddressPrefixes` together. */
  sourceAddressPrefixes: string[];
  destinationAddressPrefixes: string[];
  /** `destinationPortRange` and `destinationPortRanges` together ("*", "443", "400-500"). */
  destinationPortRanges: string[];
}

export interface NetworkSecurityGroupFacts {
  id: string;
  name: string;
  securityRules: SecurityRuleFacts[];
}

export interface RouteFacts {
  name: string;
  /** A CIDR or a service tag (e.g. AzureContainerRegistry). */
  addressPrefix: string;
  /** VirtualNetworkGateway, VnetLocal, Internet, VirtualAppliance, None. */
  nextHopType: string;
  nextHopIpAddress: string | null;
}

export interface RouteTableFacts {
  id: string;
  name: string;
  routes: RouteFacts[];
}

/** v2: an inbound endpoint of an Azure DNS Private Resolver: the addresses it answers on, in its resolver's VNet. */
export interface DnsInboundEndpointFacts {
  id: string;
  /** The resolver's virtual network (the VNet of the endpoint's subnet). */
  virtualNetworkId: string;
  ipAddresses: string[];
}

export interface DnsForwardingRuleFacts {
  name: string;
  /** Fully qualified, with the trailing dot: "privatelink.azurecr.io.", "azurecr.io.", ".". */
  domainName: string;
  /** forwardingRuleState: "Enabled" (default) | "Disabled". */
  state: string;
  targetDnsServers: Array<{ ipAddress: string; port: number }>;
}

export interface DnsForwardingRulesetFacts {
  id: string;
  name: string;
  linkedVirtualNetworkIds: string[];
  rules: DnsForwardingRuleFacts[];
}

export interface PrivateDnsZoneFacts {
  id: string;
  name: string;
  linkedVirtualNetworkIds: string[];
  /** Names of the A record sets in the zone (relative names, e.g. "contosoprod", "contosoprod.westeurope.data"). */
  aRecordNames: string[];
  /** v2: the addresses of each A record set, by lower-cased relative name (absent in facts written before v2). */
  aRecordAddresses?: Record<string, string[]>;
}

/** What is known about the private path. Read only when a registry needs it (public access off or firewall Deny). */
export interface NetworkFacts {
  privateEndpoints: Read<{ items: PrivateEndpointFacts[] }>;
  virtualNetworks: Read<{ items: VirtualNetworkFacts[] }>;
  privateDnsZones: Read<{ items: PrivateDnsZoneFacts[] }>;
  /** v2: the NSGs and route tables of the environment's subnet (absent: not read; never read for an open registry). */
  securityGroups?: Read<{ items: NetworkSecurityGroupFacts[] }>;
  routeTables?: Read<{ items: RouteTableFacts[] }>;
  /**
   * v2: DNS Private Resolver inbound endpoints and forwarding rulesets of the readable subscriptions, read only when
   * the environment's VNet names DNS servers or no privatelink.azurecr.io zone is linked to it.
   */
  dnsInboundEndpoints?: Read<{ items: DnsInboundEndpointFacts[] }>;
  dnsForwardingRulesets?: Read<{ items: DnsForwardingRulesetFacts[] }>;
}

/**
 * The data-plane tag check, done as PullGuard's own identity.
 * v2: `platforms` lists the "os/architecture[/variant]" the manifest offers (an index's `manifests[].platform`, or a
 * single manifest's config blob), absent when they could not be read; `mediaType` is the manifest's media type.
 * "disallowed" is ACR's answer to a pull by digest of an image its quarantine hides ("The operation is disallowed.").
 */
export type ManifestCheck =
  | {
      status: "found";
      digest: string | null;
      quarantineState: string | null;
      mediaType?: string | null;
      platforms?: string[];
    }
  | { status: "not-found"; errorCode: "NAME_UNKNOWN" | "MANIFEST_UNKNOWN"; existingTags: string[] }
  | { status: "disallowed"; message: string }
  | { status: "unknown"; reason: string; neededRole: string | null };

/** Role assignments that matter for one principal (direct and through groups: ARM's `assignedTo()` filter). */
export type PrincipalAssignments = Read<{ items: RoleAssignmentFacts[] }>;

export interface PullFacts {
  /** The clock when the facts were read (ISO). Ages such as createdOn are measured against it. */
  readAt: string;
  app: AppFacts;
  environment: Read<EnvironmentFacts> | null;
  /** Referenced user-assigned identities, keyed by lower-cased resource ID. */
  userAssignedIdentities: Record<string, Read<UserAssignedIdentityFacts>>;
  /** Registries by lower-cased login server; NotFound when no readable subscription has one with that server. */
  registries: Record<string, Read<RegistryFacts>>;
  /** Subscription ID (lower case) → tenant ID, for the cross-tenant rule. */
  subscriptionTenants: Record<string, string>;
  /** Role assignments by lower-cased principal ID. */
  roleAssignments: Record<string, PrincipalAssignments>;
  /** Role definitions by lower-cased GUID (built-in and custom, as read from ARM). */
  roleDefinitions: Record<string, RoleDefinitionFacts>;
  /** Latest revision (with its replicas), when the app has one. Always null for a job. */
  revision: Read<RevisionFacts> | null;
  /**
   * v2: a job's most recent executions, newest first (at most the first page ARM returns); null for a container app
   * (and absent in facts written before v2).
   */
  executions?: Read<{ items: JobExecutionFacts[] }> | null;
  network: NetworkFacts | null;
  /** Tag checks by image reference as written in the template. */
  manifests: Record<string, ManifestCheck>;
}

/** Counters the reader fills; shown as `stats` in the JSON output. */
export interface ReadStats {
  armRequests: number;
  waves: number;
  dataPlaneRequests: number;
  ms: number;
}
