// Types for kill-loop.mjs, which the kill test (TypeScript) shares with bench/soak.mjs.

export interface KillLoopEmulator {
  url: string;
  token: string;
  snapshot(): KillLoopSnapshot;
}

export interface KillLoopSnapshot {
  segments: { name: string; id: string }[];
  createsByName: Record<string, number>;
  duplicates: string[];
  inFlight: number;
}

export interface KillLoopState {
  segments: Record<string, { status: 'created'; id: string } | { status: 'pending' }>;
}

export interface KillLoopOptions {
  cli: string;
  workspace: { root: string; defs: string; state: string };
  /** segsync's own reader (state/file.js `readState`), journal replay and validation included. */
  readState: (path: string) => Promise<KillLoopState>;
  emulator: KillLoopEmulator;
  random: () => number;
  kills: number;
  killDelayMs: [number, number];
  startUpKillEvery?: number;
  concurrency?: number;
  deadlineMs?: number;
  applyArgs?: string[];
  remoteState?: () => Promise<KillLoopState | undefined>;
  env?: NodeJS.ProcessEnv;
  afterSettle?: () => Promise<void>;
  log?: (line: string) => void;
}

export interface KillLoopCounts {
  runs: number;
  kills: number;
  /** Kills after which the state held pending entries (unknown outcomes). */
  killsWithPending: number;
  /** Kills that landed before the run recorded anything. */
  killsWithoutChange: number;
  /** Runs over unknown outcomes: exit 3, the unknowns left alone, then settled. */
  runsOverUnknowns: number;
  unknownsResolvedCreated: number;
  unknownsResolvedAbsent: number;
  partialRuns: number;
  /** With remoteState: the most unknown outcomes the remote held after a kill. */
  maxRemoteUnknown: number;
}

export class KillLoopViolation extends Error {}

export function runKillLoop(options: KillLoopOptions): Promise<KillLoopCounts>;

export function assertStateKnowsEmulator(
  state: KillLoopState,
  snapshot: KillLoopSnapshot,
  when: string,
): void;

export function findFinalViolations(
  state: KillLoopState,
  snapshot: KillLoopSnapshot,
  names: readonly string[],
): string[];
