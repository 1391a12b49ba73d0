/**
 * `pullguard check <app-id>` | `--resource-group <rg> --subscription <id>` | `--subscription <id>`:
 * diagnose; exit 0 when every workload is healthy or degraded, 2 when any is broken. v2 (cli.md): `<app-id>` may be a
 * job's ID, the scopes list apps and jobs (one list call each), and every JSON object says which `kind` it is.
 */
import { createAzureAccess } from "../../app/azure-access.js";
import { checkApp } from "../../app/check-app.js";
import { type CheckResult, checkDocument, type ScopeCheckResult, scopeCheckDocument } from "../../app/check-result.js";
import { mapBounded } from "../../app/map-bounded.js";
import type { Settings } from "../../config.js";
import { diagnose } from "../../core/diagnose.js";
import { subscriptionOf } from "../../core/resource-id.js";
import type { CliIo, CommandOptions } from "../deps.js";
import { UsageError } from "../errors.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { renderCheck, renderScopeCheck } from "../render-check.js";
import { appIdArgument, flag, stringOption, subscriptionOption } from "./options.js";
import type { OpenBackend } from "./session.js";

const CONCURRENCY = 4;

export async function runCheck(
  opts: CommandOptions,
  ctx: { io: CliIo; settings: Settings; openBackend: OpenBackend },
): Promise<ExitCode> {
  const json = flag(opts.json);
  const subscription = subscriptionOption(opts.subscription);
  const resourceGroup = stringOption(opts.resourceGroup);
  const appId = opts.appId === undefined ? undefined : appIdArgument(opts.appId);
  if (!appId && !subscription) {
    throw new UsageError(
      "name a container app or job (check <app-id>) or a scope (--subscription <id> [--resource-group <rg>])",
    );
  }
  if (appId && resourceGroup) throw new UsageError("give either an app or job ID or --resource-group, not both");
  if (resourceGroup && !subscription) throw new UsageError("--resource-group needs --subscription <id>");

  const session = await ctx.openBackend(
    { ...(typeof opts.world === "string" ? { world: opts.world } : {}), ...(subscription ? { subscription } : {}) },
    ctx.settings,
  );
  try {
    const azure = createAzureAccess(session.backend, session.now);
    const deps = {
      readFacts: azure.readFacts,
      diagnose,
      settings: policySettingsFor(ctx.settings, appId ?? null, subscription),
    };
    if (appId) {
      const started = Date.now();
      const { result } = await checkApp(appId, deps);
      result.stats.ms = result.stats.ms || Date.now() - started;
      ctx.io.stdout(json ? `${JSON.stringify(checkDocument(result), null, 2)}\n` : renderCheck(result));
      return result.verdict === "broken" ? EXIT.broken : EXIT.ok;
    }
    const { value: inScope, armRequests: listRequests } = await azure.clients.countArmRequests(() =>
      azure.listApps(subscription ?? "", resourceGroup),
    );
    const failed: ScopeCheckResult["summary"]["failed"] = [];
    const checked = await mapBounded(inScope, CONCURRENCY, async (app): Promise<CheckResult | null> => {
      try {
        return (await checkApp(app.id, deps)).result;
      } catch (error) {
        failed.push({ appId: app.id, error: error instanceof Error ? error.message : String(error) });
        return null;
      }
    });
    const results = checked.filter((r): r is CheckResult => r !== null);
    const scope: ScopeCheckResult = {
      apps: results,
      summary: {
        apps: inScope.length,
        healthy: results.filter((r) => r.verdict === "healthy").length,
        degraded: results.filter((r) => r.verdict === "degraded").length,
        broken: results.filter((r) => r.verdict === "broken").length,
        failed,
        armRequests: listRequests + results.reduce((n, r) => n + r.stats.armRequests, 0),
      },
    };
    ctx.io.stdout(json ? `${JSON.stringify(scopeCheckDocument(scope), null, 2)}\n` : renderScopeCheck(scope));
    if (scope.summary.broken > 0) return EXIT.broken;
    return failed.length > 0 ? EXIT.couldNotRun : EXIT.ok;
  } finally {
    await session.close();
  }
}

/**
 * The CLI acts on what the person names: with no allowlist configured, the named app's subscription (or the
 * --subscription) is the scope `fix` may change.
 */
export function policySettingsFor(
  settings: Settings,
  appId: string | null,
  subscription: string | undefined,
): Settings {
  if (settings.allowedScopes.length > 0) return settings;
  const sub = appId ? subscriptionOf(appId) : subscription;
  return sub ? { ...settings, allowedScopes: [`/subscriptions/${sub}`] } : settings;
}
