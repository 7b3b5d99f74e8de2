// Turns the plan's creates into Wati segments: the only place with concurrency.
//
// Per segment, the journal is the write-ahead log: the entry is durably recorded as pending BEFORE
// the request is sent, and becomes created (with Wati's id) or is cleared (definite failure) when
// the answer arrives. A crash at any moment therefore leaves either no trace of a create that was
// never sent, or a pending entry that plan and apply treat as an unknown outcome — never a segment
// created in Wati that the state does not know about.
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import type {
  CreateOutcome,
  CreateAction,
  CreatedEntry,
  PendingEntry,
  SegmentResult,
  StopReason,
  WatiPayload,
} from '../../core/model.js';

export interface ApplyStop {
  reason: StopReason;
  message: string;
}

/** What the runner needs from the Wati client (the WatiApi port, src/wati/api.ts). */
export interface SegmentCreator {
  createSegment(
    payload: WatiPayload,
    options?: { signal?: AbortSignal; onSent?: () => void },
  ): Promise<{ outcome: CreateOutcome; attempts: number }>;
}

/** What the runner needs from the state session (src/state/session.ts). */
export interface CreateJournal {
  recordPending(name: string, entry: Omit<PendingEntry, 'status'>): Promise<void>;
  recordCreated(name: string, entry: Omit<CreatedEntry, 'status'>): Promise<void>;
  markUnknown(name: string, reason: string): Promise<void>;
  clear(name: string): Promise<void>;
}

export type ApplyEvent =
  | { type: 'sending'; name: string; attempt: number }
  | { type: 'finished'; result: SegmentResult }
  | { type: 'stopping'; stop: ApplyStop };

export interface ApplyOptions {
  concurrency: number;
  /** Aborted on Ctrl-C / SIGTERM: start nothing new, let requests in flight finish. */
  signal?: AbortSignal;
  /** Told when a create starts (its pending record) and when it is settled (its answer recorded). */
  inFlight?: { begin(): void; end(): void };
  /** After an interrupt, how long to wait for requests in flight before giving up on them. */
  inFlightGraceMs?: number;
  /** This many unknown outcomes in a row mean Wati is not answering reliably: stop. */
  maxConsecutiveUnknown?: number;
  /**
   * This many creates refused with the same 4xx answer segsync does not recognise, none created
   * in between, mean an account-wide refusal: stop instead of sending the whole queue.
   */
  maxRepeatedRefusals?: number;
  now?: () => Date;
  onEvent?: (event: ApplyEvent) => void;
}

export interface ApplyReport {
  /** In the order of the plan's creates. */
  results: SegmentResult[];
  stop?: ApplyStop;
  /** How many creates were allowed in flight at once, and the most that actually were. */
  concurrency?: ConcurrencyUsed;
}

export interface ConcurrencyUsed {
  /** The limit asked for (--concurrency); the HTTP client's socket pool has the same size. */
  limit: number;
  /** The most requests that were in flight at the same moment during this run. */
  maxInFlight: number;
}

// CI runners give a cancelled job about 10 s between SIGINT and SIGKILL; a person pressing Ctrl-C
// rarely waits longer either. Creates still in flight after that stay pending (unknown outcome).
const DEFAULT_GRACE_MS = 8_000;
const DEFAULT_MAX_CONSECUTIVE_UNKNOWN = 3;
const DEFAULT_MAX_REPEATED_REFUSALS = 3;

export async function applyCreates(
  creates: readonly CreateAction[],
  client: SegmentCreator,
  journal: CreateJournal,
  options: ApplyOptions,
): Promise<ApplyReport> {
  const now = options.now ?? (() => new Date());
  const emit = options.onEvent ?? (() => undefined);
  const maxUnknown = options.maxConsecutiveUnknown ?? DEFAULT_MAX_CONSECUTIVE_UNKNOWN;
  const maxRefusals = options.maxRepeatedRefusals ?? DEFAULT_MAX_REPEATED_REFUSALS;
  /** Identical 4xx refusals (status and message) since the last create that succeeded. */
  const refusals = new Map<string, number>();
  const results = new Map<string, SegmentResult>();
  /** Sent and not yet recorded. */
  const unsettled = new Set<string>();
  const recordings: Promise<void>[] = [];
  // Aborted on the first account-wide stop or on interrupt: cancels retry waits, never a request.
  const halt = new AbortController();
  let stop: ApplyStop | undefined;
  let consecutiveUnknown = 0;
  const concurrencyLimit = Math.max(1, options.concurrency);
  // Every create waiting to retry listens on `halt`: up to one per slot, which is not a leak.
  setMaxListeners(concurrencyLimit + 10, halt.signal);
  let inFlight = 0;
  let maxInFlight = 0;

  const stopAll = (next: ApplyStop) => {
    if (stop) return;
    stop = next;
    halt.abort();
    emit({ type: 'stopping', stop: next });
  };
  const onInterrupt = () =>
    stopAll({ reason: 'interrupted', message: 'Interrupted: no new creates were started.' });
  if (options.signal?.aborted) onInterrupt();
  options.signal?.addEventListener('abort', onInterrupt, { once: true });

  const finish = (result: SegmentResult) => {
    results.set(result.name, result);
    emit({ type: 'finished', result });
  };
  // Not attempted because the run stopped: the result document words why, from the stop.
  const notAttempted = (name: string) => finish({ name, result: 'not-attempted' });

  const createOne = async (action: CreateAction): Promise<void> => {
    if (stop) return notAttempted(action.name);
    options.inFlight?.begin();
    let settledLater = false;
    try {
      settledLater = await sendOne(action);
    } finally {
      if (!settledLater) options.inFlight?.end();
    }
  };

  /** True when the create was sent: its recording, still running, settles it. */
  const sendOne = async (action: CreateAction): Promise<boolean> => {
    const { name } = action;
    const { payload } = action;
    const record = { payload, digest: action.digest, source: action.source.file };
    try {
      await journal.recordPending(name, { ...record, startedAt: now().toISOString() });
    } catch (error) {
      stopAll({ reason: 'state-write-failed', message: describe(error) });
      // Nothing was sent: take the unwritten pending record back so it cannot become a false
      // "unknown" when the journal later manages to write.
      await journal.clear(name).catch(() => undefined);
      notAttempted(name);
      return false;
    }
    if (stop) {
      // Stopped while the pending record was being written: nothing was sent, so undo it.
      await journal.clear(name).catch(() => undefined);
      notAttempted(name);
      return false;
    }
    unsettled.add(name);
    let attempt = 0;
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const { outcome, attempts } = await client
      .createSegment(payload, {
        signal: halt.signal,
        onSent: () => emit({ type: 'sending', name, attempt: ++attempt }),
      })
      .finally(() => {
        inFlight -= 1;
      });
    // Decide about stopping at once, before any other create can start...
    reactToOutcome(outcome);
    // ...but record the answer without holding the concurrency slot: the next create's pending
    // record then shares one durable journal append with this answer.
    recordings.push(
      recordOutcome(action, outcome, attempts)
        .catch((error: unknown) => {
          // The answer is known but could not be written: the pending entry stays, so the next
          // run shows an unknown outcome instead of creating the segment again.
          stopAll({ reason: 'state-write-failed', message: describe(error) });
          finish({
            name,
            result: 'unknown',
            attempts,
            ...(outcome.kind === 'created' ? { id: outcome.id } : {}),
            message: `Wati answered, but the state file could not be updated: ${describe(error)}`,
          });
        })
        .finally(() => {
          unsettled.delete(name);
          options.inFlight?.end();
        }),
    );
    return true;
  };

  /** Account-wide consequences of one answer. */
  const reactToOutcome = (outcome: CreateOutcome) => {
    if (outcome.kind === 'stop') stopAll({ reason: outcome.reason, message: outcome.message });
    if (outcome.kind === 'created' || outcome.kind === 'failed') consecutiveUnknown = 0;
    if (outcome.kind === 'created') refusals.clear();
    if (outcome.kind === 'failed' && isClientError(outcome.status)) {
      // The same words for different segments: about the account, not about those segments.
      const key = `${outcome.status}\u0000${outcome.message}`;
      const count = (refusals.get(key) ?? 0) + 1;
      refusals.set(key, count);
      if (count >= maxRefusals) {
        stopAll({
          reason: 'repeated-refusal',
          message:
            `Wati refused ${count} creates with the same answer and created none in between ` +
            `(${outcome.message}): that looks like an account-wide refusal segsync does not ` +
            'recognise, so it sent no more. Check the account in the Wati dashboard.',
        });
      }
    }
    if (outcome.kind === 'unknown' && ++consecutiveUnknown >= maxUnknown) {
      stopAll({
        reason: 'too-many-unknown',
        message: `${consecutiveUnknown} creates in a row got no answer; Wati may be unreachable or overloaded.`,
      });
    }
  };

  const recordOutcome = async (action: CreateAction, outcome: CreateOutcome, attempts: number) => {
    const { name } = action;
    switch (outcome.kind) {
      case 'created':
        await journal.recordCreated(name, {
          id: outcome.id,
          payload: action.payload,
          digest: action.digest,
          createdAt: now().toISOString(),
          source: action.source.file,
          recordedBy: 'apply',
        });
        return finish({ name, result: 'created', id: outcome.id, attempts });
      case 'stop':
        await journal.clear(name);
        // Throttled or an untrusted certificate: Wati never considered this create, so it is
        // not a failure of the segment; it is simply still to do.
        return finish({
          name,
          result: stopsBeforeWati(outcome.reason) ? 'not-attempted' : 'failed',
          message: outcome.message,
          attempts,
        });
      case 'failed':
        await journal.clear(name);
        return finish({ name, result: 'failed', message: outcome.message, attempts });
      case 'not-sent':
        await journal.clear(name);
        return finish({ name, result: 'not-attempted', message: outcome.message, attempts });
      case 'unknown':
        await journal.markUnknown(name, outcome.message);
        return finish({ name, result: 'unknown', message: outcome.message, attempts });
    }
  };

  const limit = pLimit(concurrencyLimit);
  const all = Promise.all(creates.map((action) => limit(() => createOne(action)))).then(() =>
    Promise.all(recordings),
  );
  await waitWithGrace(all, options.signal, options.inFlightGraceMs ?? DEFAULT_GRACE_MS);
  options.signal?.removeEventListener('abort', onInterrupt);

  // Requests still in flight (or answers not yet recorded) after the grace period: their pending
  // entries stay, so the next run reports them as unknown outcomes.
  for (const name of unsettled) {
    if (!results.has(name)) {
      finish({
        name,
        result: 'unknown',
        message: 'Interrupted while the request was in flight; its outcome was not recorded.',
      });
    }
  }
  return {
    results: creates.map((a) => results.get(a.name) ?? { name: a.name, result: 'not-attempted' }),
    ...(stop ? { stop } : {}),
    concurrency: { limit: concurrencyLimit, maxInFlight },
  };
}

/** Waits for all work; after an interrupt, waits at most `graceMs` more. */
async function waitWithGrace(
  work: Promise<unknown>,
  signal: AbortSignal | undefined,
  graceMs: number,
): Promise<void> {
  if (!signal) {
    await work;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const graceExpired = new Promise<void>((resolve) => {
    const startGrace = () => {
      timer = setTimeout(resolve, graceMs);
      timer.unref();
    };
    if (signal.aborted) startGrace();
    else signal.addEventListener('abort', startGrace, { once: true });
  });
  try {
    await Promise.race([work, graceExpired]);
  } finally {
    clearTimeout(timer);
  }
}

function isClientError(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500;
}

function stopsBeforeWati(reason: StopReason): boolean {
  return reason === 'rate-limited' || reason === 'untrusted-certificate';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
