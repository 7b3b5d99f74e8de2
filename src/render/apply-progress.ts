// Live progress: a rewritten line on a terminal, one plain line per finished segment in CI.
import type { SegmentResult } from '../core/model.js';
import { terminalText } from './sinks/terminal.js';
import type { ApplyEvent } from '../apply/runner/create-runner.js';

export interface ProgressOutput {
  /** Writes raw text (no newline added). */
  write(text: string): void;
  live: boolean;
}

export class ProgressReporter {
  private readonly counts = { created: 0, failed: 0, unknown: 0, notAttempted: 0 };
  private readonly startedAt = Date.now();
  private lastDraw = 0;

  constructor(
    private readonly total: number,
    private readonly output: ProgressOutput,
  ) {}

  readonly onEvent = (event: ApplyEvent): void => {
    if (event.type === 'stopping') {
      this.line(`stopping: ${terminalText(event.stop.message)}`);
      return;
    }
    if (event.type !== 'finished') return;
    this.count(event.result);
    if (this.output.live) this.draw(false);
    else this.line(describeResult(event.result, this.done(), this.total));
  };

  /**
   * Clears the live line before the final report is printed: the report has the final counts,
   * so drawing them here too would print them twice.
   */
  finish(): void {
    if (this.output.live) this.output.write('\r\u001b[2K');
  }

  /** A message of its own line (a notice), printed above the live line. Already escaped. */
  note(text: string): void {
    this.line(text);
    if (this.output.live && this.done() > 0) this.draw(true);
  }

  /** A request that will be sent again: the name and the server's reason are untrusted. */
  retrying(retry: { name: string; attempt: number; delayMs: number; reason: string }): void {
    this.note(
      `retrying ${terminalText(retry.name)} (attempt ${retry.attempt + 1}) in ` +
        `${(retry.delayMs / 1000).toFixed(1)} s: ${terminalText(retry.reason)}`,
    );
  }

  private count(result: SegmentResult): void {
    if (result.result === 'created') this.counts.created++;
    else if (result.result === 'failed') this.counts.failed++;
    else if (result.result === 'unknown') this.counts.unknown++;
    else this.counts.notAttempted++;
  }

  private done(): number {
    const c = this.counts;
    return c.created + c.failed + c.unknown + c.notAttempted;
  }

  private draw(force: boolean): void {
    const nowMs = Date.now();
    // Redrawing more than ~20 times a second only costs CPU.
    if (!force && nowMs - this.lastDraw < 50 && this.done() < this.total) return;
    this.lastDraw = nowMs;
    const seconds = Math.max(0.001, (nowMs - this.startedAt) / 1000);
    const rate = (this.counts.created / seconds).toFixed(1);
    const c = this.counts;
    const text =
      `created ${c.created} · failed ${c.failed} · unknown ${c.unknown} · ` +
      `remaining ${this.total - this.done()} · ${rate}/s`;
    // No newline: the next draw rewrites this line in place.
    this.output.write(`\r\u001b[2K${text}`);
  }

  private line(text: string): void {
    if (this.output.live) this.output.write('\r\u001b[2K');
    this.output.write(`${text}\n`);
  }
}

function describeResult(result: SegmentResult, done: number, total: number): string {
  const prefix = `[${done}/${total}]`;
  // Names, ids and server messages are untrusted: through the terminal sink.
  const name = terminalText(result.name);
  const message = terminalText(result.message ?? '');
  switch (result.result) {
    case 'created':
      return `${prefix} created ${name} (id ${terminalText(result.id ?? '?')})`;
    case 'failed':
      return `${prefix} failed ${name}: ${message}`;
    case 'unknown':
      return `${prefix} UNKNOWN ${name}: ${message}`;
    case 'not-attempted':
      return `${prefix} not attempted ${name}`;
  }
}
