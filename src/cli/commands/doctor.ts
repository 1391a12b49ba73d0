/**
 * `pullguard doctor [--world <file>] [--subscription <id>] [--function-app <id>] [--json]` (spec/cli.md v2):
 * read-only check of a deployed PullGuard's wiring. Exit 0 all well, 2 something wrong (each problem with the command
 * or portal step that fixes it), 1 could not run.
 */
import { createAzureAccess } from "../../app/azure-access.js";
import { findPullGuardApps, readDoctorFacts } from "../../azure/doctor-reads.js";
import type { Settings } from "../../config.js";
import { type DoctorReport, examineDeployment } from "../../core/doctor/doctor.js";
import type { CliIo, CommandOptions } from "../deps.js";
import { CouldNotRunError, UsageError } from "../errors.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { flag, stringOption, subscriptionOption } from "./options.js";
import type { OpenBackend } from "./session.js";

const SITE_ID =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.Web\/sites\/[-\w]{2,60}$/i;

export function renderDoctor(report: DoctorReport): string {
  const lines = [`pullguard doctor: ${report.functionAppId}`];
  for (const check of report.checks) {
    lines.push(`  ${check.ok ? "ok     " : "PROBLEM"}  ${check.title}`);
    for (const p of report.problems.filter((x) => x.check === check.name)) {
      lines.push(`           - ${p.what}`, `             fix: ${p.fix}`);
    }
  }
  lines.push(report.ok ? "all well" : `${report.problems.length} problem(s): see the fix under each`);
  return `${lines.join("\n")}\n`;
}

export async function runDoctor(
  opts: CommandOptions,
  ctx: { io: CliIo; settings: Settings; openBackend: OpenBackend },
): Promise<ExitCode> {
  const json = flag(opts.json);
  const subscription = subscriptionOption(opts.subscription);
  const functionApp = stringOption(opts.functionApp);
  if (functionApp !== undefined && !SITE_ID.test(functionApp)) {
    throw new UsageError(
      `--function-app ${JSON.stringify(functionApp)} is not a function app resource ID; expected /subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Web/sites/<name> (azd env get-value PULLGUARD_FUNCTION_APP_ID)`,
    );
  }
  const session = await ctx.openBackend(
    { ...(typeof opts.world === "string" ? { world: opts.world } : {}), ...(subscription ? { subscription } : {}) },
    ctx.settings,
  );
  try {
    const azure = createAzureAccess(session.backend, session.now);
    let siteId = functionApp;
    if (siteId === undefined) {
      const found = await findPullGuardApps(azure.clients, session.subscriptions);
      if (found.length !== 1) {
        throw new CouldNotRunError(
          found.length === 0
            ? `no PullGuard function app (Microsoft.Web/sites tagged application: pullguard) in ${session.subscriptions.join(", ") || "any subscription"}`
            : `${found.length} PullGuard function apps found: ${found.join(", ")}`,
          "pass --function-app <id> (azd env get-value PULLGUARD_FUNCTION_APP_ID) or --subscription <id>",
        );
      }
      siteId = found[0] ?? "";
    }
    let report: DoctorReport;
    try {
      report = examineDeployment(await readDoctorFacts(azure.clients, session.backend.endpoint, siteId));
    } catch (error) {
      if (error instanceof CouldNotRunError) throw error;
      throw new CouldNotRunError(
        `could not read the deployment of ${siteId}: ${(error as Error).message}`,
        "sign in as someone who may read it (az login; Reader on the watched subscriptions, and Website Contributor or Reader + config/list on the function app)",
      );
    }
    ctx.io.stdout(json ? `${JSON.stringify(report, null, 2)}\n` : renderDoctor(report));
    return report.ok ? EXIT.ok : EXIT.broken;
  } finally {
    await session.close();
  }
}
