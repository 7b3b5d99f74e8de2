// The checkpoint gate between the apply runner and the journal, against a fake remote: no create
// is sent before a completed checkpoint holds its pending record, checkpoints never overlap, and
// a runner lost at any moment leaves every segment Wati has recorded on the remote — whatever the
// window size, the concurrency, the push latency and the push that fails.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckpointWindow } from '../../src/apply/runner/checkpoint-gate.js';
import { CheckpointGate } from '../../src/apply/runner/checkpoint-gate.js';
import type { CreateJournal, SegmentCreator } from '../../src/apply/runner/create-runner.js';
import { applyCreates } from '../../src/apply/runner/create-runner.js';
import type { CreateAction } from '../../src/core/model.js';
import { digestOf } from '../../src/core/canonical-json.js';
import { staticPayload } from '../helpers/builders.js';

function createsOf(count: number): CreateAction[] {
  return Array.from({ length: count }, (_, index) => {
    const payload = staticPayload(`S${index}`);
    return {
      action: 'create',
      name: payload.name,
      payload,
      digest: digestOf(payload),
      source: { file: `segments/S${index}.yaml`, line: 1, column: 1 },
      blocking: false,
    };
  });
}

type Status = 'pending' | 'created';

/** An in-memory journal with the session's rules: a created record is never cleared. */
class MemoryJournal implements CreateJournal {
  readonly status = new Map<string, Status>();
  recordPending(name: string) {
    if (this.status.has(name)) throw new Error(`${name} is already recorded`);
    this.status.set(name, 'pending');
    return Promise.resolve();
  }
  recordCreated(name: string) {
    this.status.set(name, 'created');
    return Promise.resolve();
  }
  markUnknown() {
    return Promise.resolve();
  }
  clear(name: string) {
    if (this.status.get(name) === 'created') throw new Error(`${name} is created`);
    this.status.delete(name);
    return Promise.resolve();
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Scenario {
  count: number;
  window: number;
  concurrency: number;
  /** How long each push takes, in ms. */
  pushMs: number;
  /** How long Wati takes to answer, in ms. */
  answerMs: number;
  /** The checkpoint call (1-based) that fails; the final save counts after the checkpoints. */
  failAt?: number;
  /** Wati refuses these creates (a definite failure: the pending record is cleared). */
  refused?: ReadonlySet<string>;
}

/**
 * Runs the real runner through the real gate. The fake remote keeps the snapshot of the journal
 * each successful push carried (taken when the push starts, as the fold is); the fake Wati checks
 * at every send that the remote holds the record, and every push that lands is checked to hold
 * everything Wati has.
 */
async function runGated(scenario: Scenario) {
  const creates = createsOf(scenario.count);
  const journal = new MemoryJournal();
  let remote = new Map<string, Status>();
  const wati = new Set<string>();
  const violations: string[] = [];
  const sent: string[] = [];
  let saves = 0;
  let saving = false;
  let maxRemotePending = 0;

  const checkRemoteKnowsWati = (when: string) => {
    for (const name of wati) {
      if (!remote.has(name)) violations.push(`${when}: ${name} is in Wati but not on the remote`);
    }
    const pendingOnRemote = [...remote.values()].filter((status) => status === 'pending').length;
    maxRemotePending = Math.max(maxRemotePending, pendingOnRemote);
  };
  /** The pusher: one fold (snapshot) per save, then the push; never two at once. */
  const save = async () => {
    if (saving) violations.push('two saves ran at once');
    saving = true;
    try {
      const snapshot = new Map(journal.status);
      await delay(scenario.pushMs);
      if (++saves === scenario.failAt) throw new Error('push refused');
      remote = snapshot;
      checkRemoteKnowsWati(`after push ${saves}`);
    } finally {
      saving = false;
    }
  };
  const checkpointed: CheckpointWindow[][] = [];
  const gate = new CheckpointGate(journal, creates, {
    windowSize: scenario.window,
    checkpoint: async (windows) => {
      checkpointed.push([...windows]);
      await save();
    },
  });
  const client: SegmentCreator = {
    createSegment: async (payload) => {
      const name = payload.name;
      if (!remote.has(name)) violations.push(`${name} was sent before the remote recorded it`);
      sent.push(name);
      if (scenario.refused?.has(name)) {
        await delay(scenario.answerMs);
        return { outcome: { kind: 'failed', message: 'refused', status: 400 }, attempts: 1 };
      }
      // Wati creates it at once and answers later: a runner lost meanwhile knows nothing more.
      wati.add(name);
      checkRemoteKnowsWati(`when ${name} was created`);
      await delay(scenario.answerMs);
      return { outcome: { kind: 'created', id: `id-${name}` }, attempts: 1 };
    },
  };
  let first: unknown;
  try {
    await gate.openFirstWindow();
  } catch (error) {
    first = error;
  }
  const report = first
    ? undefined
    : await applyCreates(creates, client, gate, { concurrency: scenario.concurrency });
  const unsent = await gate.releaseUnsent();
  const finalSave = await save().then(
    () => 'pushed',
    () => 'failed',
  );
  return {
    journal,
    remote,
    wati,
    sent,
    violations,
    report,
    first,
    unsent,
    finalSave,
    checkpointed,
    maxRemotePending,
    gate,
  };
}

const quick = { pushMs: 1, answerMs: 1 };

describe('CheckpointGate', () => {
  it('checkpoints every window before its first create and covers each create once', async () => {
    const run = await runGated({ count: 10, window: 4, concurrency: 3, ...quick });
    expect(run.checkpointed.flat().map((window) => window.index)).toEqual([1, 2, 3]);
    expect(run.violations).toEqual([]);
    expect(run.sent).toHaveLength(10);
    expect(run.unsent).toEqual([]);
  });

  it('a failed first checkpoint sends nothing and leaves nothing pending', async () => {
    const run = await runGated({ count: 6, window: 4, concurrency: 2, failAt: 1, ...quick });
    expect(run.first).toBeInstanceOf(Error);
    expect(run.sent).toEqual([]);
    expect([...run.journal.status]).toEqual([]);
  });

  it('a failed later checkpoint stops new creates and clears every record it did not send', async () => {
    const run = await runGated({ count: 12, window: 4, concurrency: 2, failAt: 2, ...quick });
    expect(run.report?.stop?.reason).toBe('state-write-failed');
    expect(run.sent).toEqual(['S0', 'S1', 'S2', 'S3']);
    expect([...run.journal.status.values()].every((status) => status === 'created')).toBe(true);
    expect([...run.gate.withdrawn.keys()].sort()).toEqual(['S4', 'S5', 'S6', 'S7']);
  });

  it('with more creates in flight than a window, windows wait for the checkpoint in progress and share the next one', async () => {
    const run = await runGated({ count: 12, window: 1, concurrency: 8, pushMs: 20, answerMs: 1 });
    expect(run.violations).toEqual([]);
    expect(run.sent).toHaveLength(12);
    // Window 1 alone, then the seven that queued up behind it in one checkpoint, and so on.
    expect(run.checkpointed[0]?.map((window) => window.index)).toEqual([1]);
    expect(run.checkpointed.length).toBeLessThan(12);
    expect(run.checkpointed.flat()).toHaveLength(12);
  });

  it('a definite failure withdraws its record: it is this run’s own to remove from the remote', async () => {
    const run = await runGated({
      count: 6,
      window: 3,
      concurrency: 2,
      ...quick,
      refused: new Set(['S1']),
    });
    expect(run.violations).toEqual([]);
    expect([...run.gate.withdrawn.keys()]).toEqual(['S1']);
    expect(run.gate.withdrawn.get('S1')).toMatchObject({
      status: 'pending',
      digest: digestOf(staticPayload('S1')),
    });
    expect(run.remote.has('S1')).toBe(false);
  });

  it('never sends a create before a push holds it, and a run lost at any moment leaves every created segment recorded on the remote', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          count: fc.integer({ min: 1, max: 25 }),
          window: fc.integer({ min: 1, max: 9 }),
          concurrency: fc.integer({ min: 1, max: 12 }),
          pushMs: fc.integer({ min: 0, max: 4 }),
          answerMs: fc.integer({ min: 0, max: 4 }),
          failAt: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
          refusedEvery: fc.option(fc.integer({ min: 2, max: 7 }), { nil: undefined }),
        }),
        async ({ refusedEvery, failAt, ...sizes }) => {
          const refused = new Set(
            refusedEvery === undefined
              ? []
              : createsOf(sizes.count)
                  .map((action) => action.name)
                  .filter((_, index) => index % refusedEvery === 1),
          );
          const run = await runGated({
            ...sizes,
            ...(failAt === undefined ? {} : { failAt }),
            refused,
          });
          expect(run.violations).toEqual([]);
          // Nothing is left pending locally that was not sent: every entry left is created.
          for (const status of run.journal.status.values()) expect(status).toBe('created');
          expect(run.journal.status.size).toBe(run.wati.size);
          // What a lost runner leaves to settle: the creates in flight and the windows waiting
          // for their checkpoint.
          expect(run.maxRemotePending).toBeLessThanOrEqual(
            Math.max(2 * sizes.window, sizes.concurrency + sizes.window),
          );
          if (run.finalSave === 'pushed') {
            // The final push records every answer and leaves nothing this run never sent.
            expect([...run.remote].filter(([, status]) => status === 'pending')).toEqual([]);
            expect([...run.remote.keys()].sort()).toEqual([...run.wati].sort());
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});
