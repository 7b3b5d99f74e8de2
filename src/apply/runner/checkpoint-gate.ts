// Checkpoint windows: a CreateJournal in front of the real one that makes each group of pending
// records durable somewhere else (the git remote, for `apply --push-state`) before any create of
// the group is sent. The runner (run.ts) does not know about it; the gate does not know about git:
// `checkpoint` is whatever makes the records durable.
//
// When the runner asks to record the first create of a window as pending, the gate records the
// pending entries of the whole window (the next `windowSize` creates in plan order) and queues the
// window for a checkpoint; every create of the window waits for it. Checkpoints run strictly one
// at a time: a window is released only by a checkpoint that STARTED after its pending records were
// written, so the state that checkpoint saves holds them. Windows queued while a checkpoint runs
// share the next one (with more creates in flight than a window, several windows wait at once).
// Records of earlier windows (answers that arrived meanwhile) ride along, because a checkpoint
// saves the whole state. A runner lost at any moment therefore leaves at most the windows whose
// checkpoints completed and whose creates had not all been answered as unknown outcomes at the
// checkpoint's destination — two windows when fewer creates are in flight than a window holds.
//
// Once a checkpoint fails, the gate is closed: every window still waiting, and every later one,
// fails the same way (nothing more is sent), and their pending records are withdrawn.
import type { CreateAction, CreatedEntry, PendingEntry } from '../../core/model.js';
import type { CreateJournal } from './create-runner.js';

export interface CheckpointWindow {
  /** 1 for the first window. */
  index: number;
  names: readonly string[];
}

export interface CheckpointGateOptions {
  windowSize: number;
  /**
   * Makes everything recorded so far (these windows' pending records included) durable. Never
   * called while an earlier call is still running.
   */
  checkpoint: (windows: readonly CheckpointWindow[]) => Promise<void>;
  now?: () => Date;
}

interface OpenWindow {
  window: CheckpointWindow;
  ready: Promise<void>;
}

/** Windows whose pending records are written, waiting for the next checkpoint to start. */
interface Batch {
  windows: CheckpointWindow[];
  done: Promise<void>;
  settle: (error?: unknown) => void;
}

export class CheckpointGate implements CreateJournal {
  private readonly actions = new Map<string, { action: CreateAction; position: number }>();
  private readonly windowOf = new Map<string, OpenWindow>();
  /** Names the gate recorded as pending that the runner has not (yet) asked to send. */
  private readonly unclaimed = new Set<string>();
  /** Every pending record the gate wrote, as written. */
  private readonly recorded = new Map<string, PendingEntry>();
  private readonly withdrawnRecords = new Map<string, PendingEntry>();
  private windows = 0;
  private next: Batch | undefined;
  private checkpointRunning = false;
  /** The first checkpoint failure: the gate releases nothing after it. */
  private failure: { error: unknown } | undefined;

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
    this.withdraw(name);
    return this.inner.clear(name);
  }

  /**
   * Clears the pending records of creates that were checkpointed but never sent (the run stopped
   * or was interrupted first). Call after the runner has finished, before the final checkpoint.
   */
  async releaseUnsent(): Promise<string[]> {
    const unsent = [...this.unclaimed];
    this.unclaimed.clear();
    for (const name of unsent) this.withdraw(name);
    await Promise.all(unsent.map((name) => this.inner.clear(name)));
    return unsent;
  }

  /**
   * The pending records this gate wrote and then cleared: creates never sent, or answered with a
   * definite failure. A checkpoint may already have saved them elsewhere; they are this run's own
   * to remove there, not another run's records.
   */
  get withdrawn(): ReadonlyMap<string, PendingEntry> {
    return this.withdrawnRecords;
  }

  get windowCount(): number {
    return this.windows;
  }

  get windowSize(): number {
    return this.options.windowSize;
  }

  private withdraw(name: string): void {
    const entry = this.recorded.get(name);
    if (entry) this.withdrawnRecords.set(name, entry);
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
    const startedAt = (this.options.now ?? (() => new Date()))().toISOString();
    for (const name of window.names) this.unclaimed.add(name);
    try {
      if (this.failure) throw this.failure.error;
      await Promise.all(
        window.names.map((name) => {
          const { action } = this.actions.get(name)!;
          const entry = {
            payload: action.payload,
            digest: action.digest,
            source: action.source.file,
            startedAt,
          };
          this.recorded.set(name, { status: 'pending', ...entry });
          return this.inner.recordPending(name, entry);
        }),
      );
      // Only now, with the records written, may a checkpoint that saves them start.
      await this.enqueue(window);
    } catch (error) {
      // Nothing of this window was sent: its pending records must not become unknown outcomes.
      for (const name of window.names) {
        this.unclaimed.delete(name);
        this.withdraw(name);
      }
      await Promise.all(window.names.map((name) => this.inner.clear(name).catch(() => undefined)));
      throw error;
    }
  }

  /** Resolves when a checkpoint that started after this call has completed. */
  private enqueue(window: CheckpointWindow): Promise<void> {
    if (!this.next) {
      let settle!: (error?: unknown) => void;
      const done = new Promise<void>((resolve, reject) => {
        settle = (error) => (error === undefined ? resolve() : reject(toError(error)));
      });
      this.next = { windows: [], done, settle };
    }
    this.next.windows.push(window);
    const { done } = this.next;
    this.startNextCheckpoint();
    return done;
  }

  private startNextCheckpoint(): void {
    const batch = this.next;
    if (this.checkpointRunning || !batch) return;
    this.next = undefined;
    this.checkpointRunning = true;
    const run = async () => {
      if (this.failure) throw this.failure.error;
      await this.options.checkpoint(batch.windows);
    };
    void run()
      .then(
        () => batch.settle(),
        (error: unknown) => {
          this.failure ??= { error };
          batch.settle(error ?? new Error('checkpoint failed'));
        },
      )
      .finally(() => {
        this.checkpointRunning = false;
        this.startNextCheckpoint();
      });
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
