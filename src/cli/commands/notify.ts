/**
 * `pullguard notify --preview --channel teams|slack|webhook <app-id> [--outcome resolved|unresolved]`: the message the
 * current state would send. The body alone goes to stdout as JSON; for `webhook`, the headers go to stderr.
 */
import { createAzureAccess } from "../../app/azure-access.js";
import { checkApp } from "../../app/check-app.js";
import { appContextOf, diagnosisNotification, followUpNotification } from "../../app/notification-input.js";
import type { Settings } from "../../config.js";
import { diagnose } from "../../core/diagnose.js";
import type { ChannelKind } from "../../notify/channels.js";
import { previewPayload } from "../../notify/request.js";
import { newMessageId } from "../../notify/standard-webhooks.js";
import type { CliIo, CommandOptions } from "../deps.js";
import { UsageError } from "../errors.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { policySettingsFor } from "./check.js";
import { appIdArgument, subscriptionOption } from "./options.js";
import type { OpenBackend } from "./session.js";

const CHANNELS: readonly ChannelKind[] = ["teams", "slack", "webhook"];

export async function runNotifyPreview(
  opts: CommandOptions,
  ctx: { io: CliIo; settings: Settings; openBackend: OpenBackend },
): Promise<ExitCode> {
  const appId = appIdArgument(opts.appId);
  const channel = CHANNELS.find((c) => c === opts.channel);
  if (!channel) throw new UsageError(`--channel must be one of ${CHANNELS.join(", ")}`);
  const outcome = opts.outcome === "resolved" || opts.outcome === "unresolved" ? opts.outcome : null;
  const subscription = subscriptionOption(opts.subscription);
  const session = await ctx.openBackend(
    { ...(typeof opts.world === "string" ? { world: opts.world } : {}), ...(subscription ? { subscription } : {}) },
    ctx.settings,
  );
  try {
    const azure = createAzureAccess(session.backend, session.now);
    const { result, facts } = await checkApp(appId, {
      readFacts: azure.readFacts,
      diagnose,
      settings: policySettingsFor(ctx.settings, appId, subscription),
    });
    // The same context the function app's notifications carry: for a job, its last failed execution too.
    const context = appContextOf(facts);
    const trigger = { source: "cli" as const };
    const input = outcome
      ? followUpNotification(context, outcome, result.verdict, result.findings, [], trigger, session.now())
      : diagnosisNotification(context, result, trigger, session.now());
    const preview = previewPayload(channel, input, {
      now: session.now(),
      id: newMessageId(),
      ...(ctx.settings.notify.webhookSecret ? { secret: ctx.settings.notify.webhookSecret } : {}),
    });
    ctx.io.stdout(`${JSON.stringify(preview.body, null, 2)}\n`);
    if (channel === "webhook") ctx.io.stderr(`${JSON.stringify(preview.headers, null, 2)}\n`);
    return EXIT.ok;
  } finally {
    await session.close();
  }
}
