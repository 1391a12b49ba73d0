/** Exit codes of spec/cli.md. */
export const EXIT = {
  /** Healthy or degraded; fix resolved or nothing to do. */
  ok: 0,
  /** Could not run: the message on stderr says why and what to do. */
  couldNotRun: 1,
  /** Any app broken; fix still broken, unresolved or pending. */
  broken: 2,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
