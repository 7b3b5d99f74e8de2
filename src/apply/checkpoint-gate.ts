// Checkpoint windows: a CreateJournal in front of the real one that makes each group of pending
// records durable somewhere else (the git remote, for `apply --push-state`) before any create of
// the group is sent. The runner (run.ts) does not know about it; the gate does not know about git:
// `checkpoint` is whatever makes the records durable.
//
// When the runner asks to record the first create of a window as pending, the gate records the
// pending entries of the whole window (the next `windowSize` creates in plan order) and runs the
// checkpoint; every create of the window waits for it. Records of earlier windows (answers that
// arrived meanwhile) ride along, because the checkpoint saves the whole state. A runner lost at
// any moment therefore leaves at most two windows as unknown outcomes at the checkpoint's
// destination: the one in flight and the next one, whose checkpoint may already have landed.
import type { CreateAction, CreatedEntry, PendingEntry } from '../model.js';
import type { CreateJournal } from './run.js';

export interface CheckpointWindow {
  /** 1 for the first window. */
  index: number;
  names: readonly string[];
}

export interface CheckpointGateOptions {
  windowSize: number;
  /** Makes everything recorded so far (this window's pending records included) durable. */
  checkpoint: (window: CheckpointWindow) => Promise<void>;
  now?: () => Date;
}

interface OpenWindow {
  window: CheckpointWindow;
  ready: Promise<void>;
}

export class CheckpointGate implements CreateJournal {
  private readonly actions = new Map<string, { action: CreateAction; position: number }>();
  private readonly windowOf = new Map<string, OpenWindow>();
  /** Names the gate recorded as pending that the runner has not (yet) asked to send. */
  private readonly unclaimed = new Set<string>();
  private windows = 0;

  constructor(
    private readonly inner: CreateJournal,
    private readonly creates: readonly CreateAction[],
    private readonly options: CheckpointGateOptions,
  ) {
    if (!Number.isInteger(options.windowSize) || options.windowSize < 1) {
      throw new Error(
        `checkpoint window size must be a positive integer, not ${options.windowSize}`,
      );
    }
    creates.forEach((action, position) => this.actions.set(action.name, { action, position }));
  }

  /** Checkpoints the window of the first create now, before anything is sent. */
  openFirstWindow(): Promise<void> {
    const first = this.creates[0];
    return first ? this.windowFor(first.name).ready : Promise.resolve();
  }

  /** Resolves once the window holding `name` is checkpointed; then the runner may send it. */
  async recordPending(name: string, _entry: Omit<PendingEntry, 'status'>): Promise<void> {
    const { ready } = this.windowFor(name);
    await ready;
    this.unclaimed.delete(name);
  }

  recordCreated(name: string, entry: Omit<CreatedEntry, 'status'>): Promise<void> {
    return this.inner.recordCreated(name, entry);
  }

  markUnknown(name: string, reason: string): Promise<void> {
    return this.inner.markUnknown(name, reason);
  }

  clear(name: string): Promise<void> {
    this.unclaimed.delete(name);
    return this.inner.clear(name);
  }

  /**
   * Clears the pending records of creates that were checkpointed but never sent (the run stopped
   * or was interrupted first). Call after the runner has finished, before the final checkpoint.
   */
  async releaseUnsent(): Promise<string[]> {
    const unsent = [...this.unclaimed];
    this.unclaimed.clear();
    await Promise.all(unsent.map((name) => this.inner.clear(name)));
    return unsent;
  }

  get windowCount(): number {
    return this.windows;
  }

  get windowSize(): number {
    return this.options.windowSize;
  }

  private windowFor(name: string): OpenWindow {
    const open = this.windowOf.get(name);
    if (open) return open;
    const start = this.actions.get(name);
    if (!start)
      throw new Error(`segment ${JSON.stringify(name)} is not one of the planned creates`);
    const names: string[] = [];
    for (let i = start.position; names.length < this.options.windowSize; i++) {
      const candidate = this.creates[i]?.name;
      if (candidate === undefined) break;
      if (!this.windowOf.has(candidate)) names.push(candidate);
    }
    const window: CheckpointWindow = { index: ++this.windows, names };
    const opened: OpenWindow = { window, ready: this.checkpointWindow(window) };
    for (const member of names) this.windowOf.set(member, opened);
    // Whoever awaits it handles a failure; this only keeps an unobserved rejection quiet.
    opened.ready.catch(() => undefined);
    return opened;
  }

  private async checkpointWindow(window: CheckpointWindow): Promise<void> {
    const now = (this.options.now ?? (() => new Date()))().toISOString();
    for (const name of window.names) this.unclaimed.add(name);
    try {
      await Promise.all(
        window.names.map((name) => {
          const { action } = this.actions.get(name)!;
          return this.inner.recordPending(name, {
            payload: action.payload,
            digest: action.digest,
            source: action.source.file,
            startedAt: now,
          });
        }),
      );
      await this.options.checkpoint(window);
    } catch (error) {
      // Nothing of this window was sent: its pending records must not become unknown outcomes.
      for (const name of window.names) this.unclaimed.delete(name);
      await Promise.all(window.names.map((name) => this.inner.clear(name).catch(() => undefined)));
      throw error;
    }
  }
}
