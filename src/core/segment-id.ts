// A Wati segment id is data from outside: a server's answer, an id a person typed or pasted
// (`state resolve --id`, `state adopt --id`), or an id read back from a state file someone may
// have edited. It is recorded in a committed file and printed in plans, terminals, CI logs and PR
// comments, so every id, wherever it enters, passes this one check: printable characters only
// (no control, format, bidirectional, invisible or non-space whitespace character, no lone
// surrogate, no private-use character; U+0020 inside but not at either end), 1 to 256 characters
// counted in code points. The state schema (schemas/state.schema.json) describes ids with the
// same rule: SEGMENT_ID_PATTERN is its `pattern`, which a test keeps equal.

import { UserError } from './errors.js';

/** Longest id accepted, in characters (code points). Real Wati ids are a few dozen. */
export const MAX_SEGMENT_ID_LENGTH = 256;

/**
 * Characters an id may not hold: controls (Cc), format characters (Cf: bidi controls, zero-width
 * characters, BOM), lone surrogates (Cs), private use (Co), line and paragraph separators, other
 * default-ignorable (invisible) code points such as U+3164, and every space separator (Zs). The
 * plain space is allowed inside an id, separately. Unassigned code points are not listed: which
 * ones they are depends on the Node version, and a state file must read the same on every one.
 */
const NOT_IN_ID =
  '\\p{Cc}\\p{Cf}\\p{Cs}\\p{Co}\\p{Zl}\\p{Zp}\\p{Default_Ignorable_Code_Point}\\p{Zs}';
const ID_CHARACTER = `[^${NOT_IN_ID}]`;

/** The rule as one regular expression (with the `u` flag): the state schema's `pattern`. */
export const SEGMENT_ID_PATTERN = `^${ID_CHARACTER}(?:(?:${ID_CHARACTER}| ){0,${MAX_SEGMENT_ID_LENGTH - 2}}${ID_CHARACTER})?$`;

const HIDDEN = new RegExp(`[${NOT_IN_ID}]`, 'u');

/**
 * Why `id` (as it is, not trimmed) is not a usable segment id, or undefined when it is. Never
 * quotes the id: it is exactly what may not be safe to show.
 */
export function segmentIdProblem(id: string): string | undefined {
  // At most two UTF-16 units per code point: longer than this is too long, without counting.
  if (id.length > 2 * MAX_SEGMENT_ID_LENGTH) {
    return `it is more than ${MAX_SEGMENT_ID_LENGTH} characters long`;
  }
  const characters = [...id];
  if (characters.length === 0) return 'it is empty';
  if (characters.length > MAX_SEGMENT_ID_LENGTH) {
    return `it is ${characters.length} characters long; at most ${MAX_SEGMENT_ID_LENGTH} are accepted`;
  }
  const index = characters.findIndex((character) => character !== ' ' && HIDDEN.test(character));
  if (index >= 0) {
    const codePoint = characters[index]!.codePointAt(0) ?? 0;
    return (
      `it contains U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}, a control, ` +
      `invisible or non-printable character, at character ${index + 1}`
    );
  }
  if (characters[0] === ' ' || characters.at(-1) === ' ') return 'it starts or ends with a space';
  return undefined;
}

/**
 * An id typed or pasted for the segment `name`: surrounding whitespace removed (a paste's trailing
 * newline is noise, not part of the id), or a UserError saying what is wrong, without echoing it.
 */
export function checkSegmentId(id: string, name: string): string {
  const trimmed = id.trim();
  const problem = segmentIdProblem(trimmed);
  if (problem === undefined) return trimmed;
  throw new UserError(
    `That is not a usable segment id: ${problem}.`,
    `Copy the id of ${JSON.stringify(name)} from the Wati dashboard (or the segment's URL); type it ` +
      'rather than pasting it if the copy carries hidden characters.',
  );
}
