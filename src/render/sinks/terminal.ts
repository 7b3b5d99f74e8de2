// The terminal / CI-log sink. Everything segsync prints in text form may be read by a terminal
// (escape sequences) or by the GitHub Actions runner, which treats a line as a workflow command
// when it starts with `::` after leading whitespace, and finds the older `##[command]` form
// anywhere in a line (actions/runner, ActionCommand.TryParseV2 / TryParse). Untrusted text —
// names, keys, values, file paths, ids, server messages — passes `terminalText` before it is
// printed, so it can neither emit control sequences, nor start a new line, nor form a command.
import { breakRunnerCommands, showInvisible } from './invisible.js';

/** Leading whitespace as .NET's `TrimStart` sees it (JS `\s` plus NEL and the Mongolian separator). */
const LEADING_COLON = /^[\s\u0085\u180e]*:/u;

/**
 * One piece of untrusted text, safe anywhere in a line of text output. Invisible characters
 * become visible escapes (`\x1b`, `\u202e`, `\n`), `##[` is broken up, and text that begins with
 * `:` is quoted — it may be printed at the start of a line (`state list`), or right before one
 * of segsync's own colons (`file:line`), and `::` there would be a workflow command.
 */
export function terminalText(text: string): string {
  const visible = breakRunnerCommands(showInvisible(text));
  return LEADING_COLON.test(visible) ? `"${visible.replace(/"/g, '\\"')}"` : visible;
}

/**
 * A name quoted as in source code (`"Name"`), for messages that must show where it starts and
 * ends. JSON.stringify alone leaves C1 controls (U+009B is an 8-bit CSI), bidi and zero-width
 * characters raw: the terminal sink escapes those too, and the quote can never start a command.
 */
export function terminalQuoted(text: string): string {
  return terminalText(JSON.stringify(text));
}

/** Multi-line text from elsewhere (a library's usage message, a stack trace), line by line. */
export function terminalLines(text: string): string {
  return text
    .split(/\r\n|\n/)
    .map((line) => terminalText(line))
    .join('\n');
}
