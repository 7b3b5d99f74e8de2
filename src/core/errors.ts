// Typed errors carry what the user needs; the CLI's single handler prints them (stack only with
// --verbose) and maps them to exit codes.

export const ExitCode = {
  /** Valid and nothing to do / everything planned was created. */
  ok: 0,
  /** Invalid definitions, blocked plan, usage or runtime error; for apply: nothing attempted. */
  failure: 1,
  /** With --detailed-exitcode: valid and there are changes to apply. */
  changes: 2,
  /** Apply ended partially: limit reached, failures, unknown outcomes or interrupted. */
  partial: 3,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error meant for the user: one readable message saying what, where and what to do. */
export class UserError extends Error {
  override readonly name: string = 'UserError';
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: ExitCodeValue = ExitCode.failure,
  ) {
    super(message);
  }
}

/** Bad command-line usage (unknown flag, missing argument, conflicting options). */
export class UsageError extends UserError {
  override readonly name = 'UsageError';
}

/** Another process holds the state lock, or a stale lock was left behind. */
export class StateLockedError extends UserError {
  override readonly name = 'StateLockedError';
}

/** The `code` of a Node system error (ENOENT, EACCES…), if it has one. Never the message. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
