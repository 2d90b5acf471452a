/**
 * The budgets of the sandbox (docs/security.md, "Budgets for work a pod chooses"): fixed at
 * process start from flags (src/config/sandbox-flags.ts); defaults live here.
 */
export interface SandboxSettings {
  /** Worker threads at most; Mounts with sandboxed objects beyond wait in a queue fair between pods. */
  readonly workers: number;
  /** Wall-clock time (at least the CPU time) the sandboxed objects of one Mount may take. */
  readonly timeLimitMs: number;
  /** V8 heap of a worker, so of one Mount's sandboxed objects, in MiB. */
  readonly memoryLimitMb: number;
}

export const SANDBOX_DEFAULTS: SandboxSettings = {
  // Two: one pod burning its whole budget leaves the other for everyone else.
  workers: 2,
  // Real templates and expressions render in milliseconds; the worst counted one in about 0.2 s.
  timeLimitMs: 2_000,
  // Room for the largest accepted input (about 5 MiB of Vault data) as JS values, while two
  // workers at their limit and the main thread stay within the chart's 256 MiB (Node 20 and 24).
  memoryLimitMb: 32,
};
