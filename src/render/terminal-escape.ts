// Escaping for text we do not control (attributes, operators, values) in terminal and CI-log
// output: control characters (C0, DEL, C1 such as the one-byte CSI), line and paragraph
// separators and bidirectional overrides are shown as visible `\u{…}` escapes, so they can
// neither drive the terminal nor reorder or split what the reviewer reads.

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** One line of terminal text, with every unsafe character made visible. */
export function terminalInline(text: string): string {
  return text.replace(
    UNSAFE,
    (char) => `\\u{${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}}`,
  );
}
