// The JSON sink. JSON.stringify already escapes C0 controls and lone surrogates; the characters
// it leaves raw (DEL, C1 controls such as the 8-bit CSI, bidi and zero-width characters) and the
// runner's `##[command]` form are escaped as well, so JSON printed to a terminal or a CI log is as
// inert as text output, and parses to exactly the same data.

/** These can only occur inside string literals: JSON's own syntax is ASCII. */
const RAW_AFTER_STRINGIFY =
  /[\u007f-\u009f\u200b-\u200d\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff]/g;

export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2)
    .replace(
      RAW_AFTER_STRINGIFY,
      (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
    )
    .replace(/##\[/g, '##\\u005b');
}
