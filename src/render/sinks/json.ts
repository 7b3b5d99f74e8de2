// The JSON sink. JSON.stringify already escapes C0 controls and lone surrogates; the characters
// it leaves raw (DEL, C1 controls such as the 8-bit CSI, bidi marks and controls, zero-width and
// other invisible formatting characters) and the runner's `##[command]` form are escaped as well,
// so JSON printed to a terminal or a CI log is as inert as text output, and parses to exactly the
// same data.
import { FORMATTING_CHARACTERS } from './invisible.js';

/**
 * These can only occur inside string literals: JSON's own syntax is ASCII. DEL, C1, the invisible
 * formatting characters every sink escapes, and the invisible math operators U+2061–U+2065.
 */
const RAW_AFTER_STRINGIFY = new RegExp(
  `[\\u007f-\\u009f${FORMATTING_CHARACTERS}\\u2061-\\u2065]`,
  'g',
);

function escapeRaw(json: string): string {
  return json
    .replace(
      RAW_AFTER_STRINGIFY,
      (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
    )
    .replace(/##\[/g, '##\\u005b');
}

/** A whole document, indented: `--format json`, saved plans, apply results. */
export function jsonText(value: unknown): string {
  return escapeRaw(JSON.stringify(value, null, 2));
}

/** One value on one line (e.g. a condition's value as sent), escaped like `jsonText`. */
export function jsonInline(value: unknown): string {
  return escapeRaw(JSON.stringify(value) ?? 'null');
}
