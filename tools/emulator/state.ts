/**
 * The emulator's state: the contract between the ARM front end (server, routes, LROs, events) and the rules that
 * decide like Azure (world loading, RBAC, pull evaluation, the ACR data plane).
 *
 * Resources are raw ARM JSON exactly as a GET returns them (nested `properties`), keyed by their lower-cased ID so
 * that look-ups are case-insensitive while the stored casing is returned unchanged.
 */

import type { Behaviour } from "./behaviour.js";
import type { ImageContent } from "./images.js";

/** One ARM resource as GET returns it. Unknown fields are kept. */
export interface ArmResource {
  id: string;
  name: string;
  type: string;
  location?: string;
  tags?: Record<string, string>;
  sku?: { name?: string; [key: string]: unknown };
  identity?: ArmIdentity;
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ArmIdentity {
  type?: string;
  principalId?: string;
  tenantId?: string;
  userAssignedIdentities?: Record<string, { principalId?: string; clientId?: string } | null>;
  [key: string]: unknown;
}

export interface Tenant {
  tenantId: string;
  subscriptions: string[];
}

export interface Group {
  objectId: string;
  members: string[];
}

export interface Caller {
  principalId: string;
  tenantId: string;
}

/** One tag of a repository, long form (the world's short form is expanded on load). */
export interface TagContent {
  /** The digest of the manifest the tag names (the world's `digest`, when given, is accepted as an alias). */
  digest: string;
  quarantineState: "Passed" | "Quarantined";
  platforms: string[];
  /** The manifest, index and blobs served for the tag (images.ts). */
  image: ImageContent;
}

/** login server (lower case) → repository (lower case) → tag → content. */
export type RegistryContent = Map<string, Map<string, Map<string, TagContent>>>;

export interface WorldState {
  description: string;
  /** Every resource, keyed by lower-cased resource ID. */
  resources: Map<string, ArmResource>;
  tenants: Tenant[];
  groups: Group[];
  /** Who PullGuard runs as; absent means an operator allowed everything (world.md). */
  caller: Caller | undefined;
  propagationDelaySeconds: number;
  registryContent: RegistryContent;
  /** world.md v2 `behaviour`: how ARM answers where real Azure varies (behaviour.ts). */
  behaviour: Behaviour;
}

/** The emulator's clock: starts at the world's `now`, advances with real time, and tests can move it forward. */
export interface Clock {
  now(): Date;
  advance(ms: number): void;
}

export const resourceKey = (id: string): string => id.toLowerCase();
