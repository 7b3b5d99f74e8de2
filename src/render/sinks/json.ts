// The JSON sink. JSON.stringify already escapes C0 controls and lone surrogates; the characters
// it leaves raw (DEL, C1 controls such as the 8-bit CSI, bidi marks and controls, zero-width and
// other invisible formatting characters) and the runner's `##[command]` form are escaped as well,
// so JSON printed to a terminal or a CI log is as inert as text output, and parses to exactly the
// same data.

/** These can only occur inside string literals: JSON's own syntax is ASCII. */
const RAW_AFTER_STRINGIFY =
  /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

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
