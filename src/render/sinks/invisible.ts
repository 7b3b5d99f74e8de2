// Characters that change what a reader sees without being seen themselves: controls (C0, DEL,
// C1 — ESC starts terminal escape sequences, U+009B is an 8-bit CSI, CR and LF start new lines),
// bidirectional overrides and isolates (they reorder text: `abc\u202Egnp.exe` reads "abcexe.png"),
// zero-width characters and direction marks (U+200E, U+200F, U+061C), the soft hyphen and U+180E
// (they make two different names look the same), line and paragraph separators, and lone
// surrogates (not text at all). Every sink shows them as visible escapes.

/**
 * The invisible formatting characters, as a character-class body: soft hyphen, Arabic letter
 * mark, Mongolian vowel separator, zero-width characters and direction marks, line and paragraph
 * separators, bidi embeddings and overrides, word joiner, bidi isolates, BOM. The one list the
 * text sinks (below) and the JSON sink (json.ts, which JSON.stringify leaves them raw for) share.
 */
export const FORMATTING_CHARACTERS =
  '\\u00ad\\u061c\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060\\u2066-\\u2069\\ufeff';

/**
 * Controls (C0, DEL, C1), the formatting characters, and lone surrogates: with the `u` flag,
 * `[\uD800-\uDFFF]` matches only surrogates that are not part of a pair.
 */
const INVISIBLE = new RegExp(
  `[\\u0000-\\u001f\\u007f-\\u009f${FORMATTING_CHARACTERS}\\ud800-\\udfff]`,
  'gu',
);

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `\x1b` for one-byte code points, `\u202e` above; `\n`, `\r`, `\t` as in source code. */
export function escapeInvisible(char: string): string {
  const short = SHORT_ESCAPES[char];
  if (short) return short;
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text with every invisible or control character replaced by its visible escape. */
export function showInvisible(text: string): string {
  return text.replace(INVISIBLE, escapeInvisible);
}

/**
 * The same, but CR, LF and tab are kept: for sinks with their own escape for line breaks (the
 * workflow-command data), where a line break in a message can be shown as one.
 */
export function showInvisibleExceptLineBreaks(text: string): string {
  return text.replace(INVISIBLE, (char) =>
    char === '\n' || char === '\r' || char === '\t' ? char : escapeInvisible(char),
  );
}

/**
 * The Actions runner also reads the older `##[command]` form anywhere in a line
 * (actions/runner, ActionCommand.TryParse): a visible escape of the bracket breaks it.
 */
export function breakRunnerCommands(text: string): string {
  return text.replace(/##\[/g, '##\\x5b');
}

/** Whether the text holds a character that `showInvisible` would replace. */
export function hasInvisible(text: string): boolean {
  INVISIBLE.lastIndex = 0;
  const found = INVISIBLE.test(text);
  INVISIBLE.lastIndex = 0;
  return found;
}
