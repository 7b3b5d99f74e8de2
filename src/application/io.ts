// What a command may touch of the outside world, handed in by the CLI (the only module that
// reads process.env or calls process.exit).
import type { Services } from './services.js';

export interface CommandIO {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * Writes to stderr exactly as given (no newline added), for a progress line redrawn in place
   * with `\r`. Set only when stderr is a terminal: elsewhere progress is one line per segment.
   */
  stderrLive?: (text: string) => void;
  /** stdout is a terminal: live progress and prompts make sense. */
  isTTY: boolean;
  /** Colour on: a TTY and NO_COLOR unset (or --color). */
  color: boolean;
  /** Aborted on Ctrl-C / SIGTERM (only while creates are in flight: otherwise the CLI exits). */
  signal: AbortSignal;
  /**
   * Counts the creates an interrupt must wait for, from their pending record to their recorded
   * answer. Set by the CLI: with none in flight, Ctrl-C / SIGTERM ends the process at once.
   */
  inFlight?: InFlightCreates;
  /** Asks a yes/no question on the terminal; only called when isTTY. */
  confirm(question: string): Promise<boolean>;
  /** Reads standard input to its end, at most `maxBytes` (for `… --from -`). */
  readStdin(maxBytes: number): Promise<string>;
  /** Clock, backoff, Wati and git, from the composition root. */
  services: Services;
}

export interface InFlightCreates {
  begin(): void;
  end(): void;
}
