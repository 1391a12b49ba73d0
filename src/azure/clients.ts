/**
 * The Azure SDK clients PullGuard uses, made on first use and kept per subscription. Every client shares the same
 * credential, HTTP client and one pipeline policy that counts ARM requests (each attempt, so retries count), which is
 * what makes `stats.armRequests` honest.
 *
 *   const clients = createAzureClients({ credential: new DefaultAzureCredential() });
 *   const { value: app, armRequests } = await clients.countArmRequests(() =>
 *     clients.containerApps(subscriptionId).containerApps.get("rg", "orders-api"));
 *
 * Against the emulator only the endpoint, credential and HTTP client differ (see dev-backend.ts).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import type { NetworkManagementClient } from "@azure/arm-network";
import type { PrivateDnsManagementClient } from "@azure/arm-privatedns";
import type { ResourceManagementClient } from "@azure/arm-resources";
import { SubscriptionClient } from "@azure/arm-subscriptions";
import type { HttpClient, PipelinePolicy, PipelineRetryOptions } from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/identity";

export const AZURE_RESOURCE_MANAGER = "https://management.azure.com";

export interface AzureClientsOptions {
  credential: TokenCredential;
  /** ARM base URL; default https://management.azure.com. */
  endpoint?: string;
  /** Token scope for ARM; default `<endpoint>/.default` (what the SDKs themselves default to). */
  armScope?: string;
  httpClient?: HttpClient;
  /** Called for every ARM request sent (each retry too). */
  onArmRequest?: () => void;
  /** The SDK defaults (3 retries, exponential, Retry-After honoured) unless given. */
  retryOptions?: PipelineRetryOptions;
}

export interface AzureClients {
  /** ARM base URL, without a trailing slash. */
  readonly endpoint: string;
  /** The HTTP client every SDK client uses (absent: the SDK's default). */
  readonly httpClient?: HttpClient;
  containerApps(subscriptionId: string): ContainerAppsAPIClient;
  containerRegistry(subscriptionId: string): ContainerRegistryManagementClient;
  authorization(subscriptionId: string): AuthorizationManagementClient;
  managedIdentities(subscriptionId: string): ManagedServiceIdentityClient;
  network(subscriptionId: string): NetworkManagementClient;
  privateDns(subscriptionId: string): PrivateDnsManagementClient;
  resources(subscriptionId: string): ResourceManagementClient;
  subscriptions(): SubscriptionClient;
  /**
   * Runs `work` and counts the ARM requests it sends (retries included), however many run concurrently on the same
   * clients. Counts nest: a request inside an inner count also counts for every enclosing one.
   */
  countArmRequests<T>(work: () => Promise<T>): Promise<{ value: T; armRequests: number }>;
}

interface RequestCount {
  count: number;
  parent: RequestCount | undefined;
}

export const ARM_REQUEST_COUNTER_POLICY = "pullguardArmRequestCounter";

/**
 * The network, private DNS and resources SDKs are loaded on first use: only a registry behind a private endpoint or
 * a firewall needs them, and @azure/arm-network alone is larger than the rest of the function app, so loading them
 * at start would slow every cold start (see docs/performance.md). They stay external to the bundle.
 */
const load = createRequire(import.meta.url);
const networkSdk = () => load("@azure/arm-network") as typeof import("@azure/arm-network");
const privateDnsSdk = () => load("@azure/arm-privatedns") as typeof import("@azure/arm-privatedns");
const resourcesSdk = () => load("@azure/arm-resources") as typeof import("@azure/arm-resources");

export function createAzureClients(options: AzureClientsOptions): AzureClients {
  const endpoint = (options.endpoint ?? AZURE_RESOURCE_MANAGER).replace(/\/+$/, "");
  const armScope = options.armScope ?? `${endpoint}/.default`;
  const counts = new AsyncLocalStorage<RequestCount>();

  const counter: PipelinePolicy = {
    name: ARM_REQUEST_COUNTER_POLICY,
    sendRequest(request, next) {
      options.onArmRequest?.();
      for (let c = counts.getStore(); c; c = c.parent) c.count++;
      return next(request);
    },
  };
  const additionalPolicies = [{ policy: counter, position: "perRetry" as const }];
  const common = {
    endpoint,
    additionalPolicies,
    ...(options.httpClient ? { httpClient: options.httpClient } : {}),
    ...(options.retryOptions ? { retryOptions: options.retryOptions } : {}),
  };
  /** Options for the AutoRest (core-client) clients: they build URLs from `$host`, not from `endpoint`. */
  const classic = { ...common, $host: endpoint, credentialScopes: armScope };

  function perSubscription<T>(make: (subscriptionId: string) => T): (subscriptionId: string) => T {
    const made = new Map<string, T>();
    return (subscriptionId) => {
      const key = subscriptionId.toLowerCase();
      let client = made.get(key);
      if (!client) {
        client = make(subscriptionId);
        made.set(key, client);
      }
      return client;
    };
  }

  let subscriptionClient: SubscriptionClient | undefined;
  const { credential } = options;
  return {
    endpoint,
    ...(options.httpClient ? { httpClient: options.httpClient } : {}),
    containerApps: perSubscription((s) => new ContainerAppsAPIClient(credential, s, classic)),
    containerRegistry: perSubscription(
      (s) => new ContainerRegistryManagementClient(credential, s, { ...common, credentials: { scopes: [armScope] } }),
    ),
    authorization: perSubscription((s) => new AuthorizationManagementClient(credential, s, classic)),
    managedIdentities: perSubscription((s) => new ManagedServiceIdentityClient(credential, s, classic)),
    network: perSubscription((s) => new (networkSdk().NetworkManagementClient)(credential, s, classic)),
    privateDns: perSubscription((s) => new (privateDnsSdk().PrivateDnsManagementClient)(credential, s, classic)),
    resources: perSubscription((s) => new (resourcesSdk().ResourceManagementClient)(credential, s, classic)),
    subscriptions() {
      subscriptionClient ??= new SubscriptionClient(credential, classic);
      return subscriptionClient;
    },
    async countArmRequests<T>(work: () => Promise<T>) {
      const count: RequestCount = { count: 0, parent: counts.getStore() };
      const value = await counts.run(count, work);
      return { value, armRequests: count.count };
    },
  };
}
