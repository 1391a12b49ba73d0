/**
 * The function app's real handlers, for code that plays the Functions host (the demo, the tests): imported from
 * src/functions exactly as the host imports them. Importing them registers them with @azure/functions, which,
 * outside the host, warns that it runs in test mode; that expected warning is held back, every other one passes.
 */
export async function loadFunctionHandlers() {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('"@azure/functions" package')) warn(...args);
  };
  try {
    const [event, alert, check, checkPost, sweep, verify] = await Promise.all([
      import("../../src/functions/on-resource-event.js"),
      import("../../src/functions/on-pull-failure-alert.js"),
      import("../../src/functions/check-app.js"),
      import("../../src/functions/check-app-post.js"),
      import("../../src/functions/sweep.js"),
      import("../../src/functions/verify-fix.js"),
    ]);
    return {
      onResourceEvent: event.onResourceEvent,
      onPullFailureAlert: alert.onPullFailureAlert,
      checkApp: check.checkApp,
      checkJob: check.checkJob,
      checkAppPost: checkPost.checkAppPost,
      sweep: sweep.sweep,
      verifyFix: verify.verifyFix,
    };
  } finally {
    console.warn = warn;
  }
}

export type FunctionHandlers = Awaited<ReturnType<typeof loadFunctionHandlers>>;
