// The checkpoint gate between the apply runner and the journal: no create is sent before the
// checkpoint that records it as pending has completed, whatever the window size, concurrency or
// the moment a checkpoint fails.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CheckpointGate } from '../../src/apply/checkpoint-gate.js';
import type { CreateJournal, SegmentCreator } from '../../src/apply/run.js';
import { applyCreates } from '../../src/apply/run.js';
import type { CreateAction } from '../../src/model.js';
import { digestOf } from '../../src/canonical-json.js';
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

/** An in-memory journal that remembers what was pending when each checkpoint completed. */
class MemoryJournal implements CreateJournal {
  readonly status = new Map<string, 'pending' | 'created'>();
  recordPending(name: string) {
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
    if (this.status.get(name) !== 'created') this.status.delete(name);
    return Promise.resolve();
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

async function runGated(options: {
  count: number;
  window: number;
  concurrency: number;
  failAt?: number;
}) {
  const creates = createsOf(options.count);
  const journal = new MemoryJournal();
  /** Names a completed checkpoint holds as pending (or created): what the remote knows. */
  const checkpointed = new Set<string>();
  const sentBeforeCheckpoint: string[] = [];
  const sent: string[] = [];
  let checkpoints = 0;
  const gate = new CheckpointGate(journal, creates, {
    windowSize: options.window,
    checkpoint: async () => {
      await tick();
      if (++checkpoints === options.failAt) throw new Error('push refused');
      for (const [name] of journal.status) checkpointed.add(name);
    },
  });
  const client: SegmentCreator = {
    createSegment: async (payload) => {
      if (!checkpointed.has(payload.name)) sentBeforeCheckpoint.push(payload.name);
      sent.push(payload.name);
      await tick();
      return { outcome: { kind: 'created', id: `id-${payload.name}` }, attempts: 1 };
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
    : await applyCreates(creates, client, gate, { concurrency: options.concurrency });
  const unsent = await gate.releaseUnsent();
  return { journal, sent, sentBeforeCheckpoint, checkpoints, report, first, unsent };
}

describe('CheckpointGate', () => {
  it('checkpoints every window before its first create and covers each create once', async () => {
    const run = await runGated({ count: 10, window: 4, concurrency: 3 });
    expect(run.checkpoints).toBe(3);
    expect(run.sentBeforeCheckpoint).toEqual([]);
    expect(run.sent).toHaveLength(10);
    expect(run.unsent).toEqual([]);
  });

  it('a failed first checkpoint sends nothing and leaves nothing pending', async () => {
    const run = await runGated({ count: 6, window: 4, concurrency: 2, failAt: 1 });
    expect(run.first).toBeInstanceOf(Error);
    expect(run.sent).toEqual([]);
    expect([...run.journal.status]).toEqual([]);
  });

  it('a failed later checkpoint stops new creates and clears every record it did not send', async () => {
    const run = await runGated({ count: 12, window: 4, concurrency: 2, failAt: 2 });
    expect(run.report?.stop?.reason).toBe('state-write-failed');
    expect(run.sent).toEqual(['S0', 'S1', 'S2', 'S3']);
    expect([...run.journal.status.values()].every((status) => status === 'created')).toBe(true);
  });

  it('never sends a create before a completed checkpoint records it (any sizes, any failing checkpoint)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 25 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 6 }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        async (count, window, concurrency, failAt) => {
          const run = await runGated({ count, window, concurrency, ...(failAt ? { failAt } : {}) });
          expect(run.sentBeforeCheckpoint).toEqual([]);
          // Nothing is left pending that was not sent: every entry left is a created one.
          for (const status of run.journal.status.values()) expect(status).toBe('created');
          expect(run.journal.status.size).toBe(run.sent.length);
        },
      ),
      { numRuns: 60 },
    );
  });
});
