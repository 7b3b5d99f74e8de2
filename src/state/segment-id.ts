// A Wati segment id typed or pasted by a user (`state adopt --id`, `state resolve --id`). It is
// recorded in a committed file and printed in plans, terminals and PR comments, so it must be what
// it looks like: printable, without control characters, bidirectional overrides or other invisible
// characters a copy from a web page can carry, and of a sane length.

import { UserError } from '../errors.js';

/** Longest id accepted, in characters (code points). Wati's ids are far shorter. */
export const MAX_SEGMENT_ID_LENGTH = 256;

// Control (Cc), format (Cf: bidi controls, zero-width characters, BOM), lone surrogates (Cs),
// private use (Co), unassigned (Cn), line/paragraph separators, and every space but U+0020.
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/**
 * The id with surrounding whitespace removed, or a UserError saying what is wrong with it. The id is
 * never echoed in the message: it is exactly what cannot be shown safely.
 */
export function checkSegmentId(id: string, name: string): string {
  // A trailing newline or tab from a paste is noise at the ends, not part of the id.
  const trimmed = id.trim();
  const hint = `Copy the id of ${JSON.stringify(name)} from the Wati dashboard (or the segment's URL).`;
  if (trimmed === '') throw new UserError('The segment id must not be empty.', hint);
  const characters = [...trimmed];
  if (characters.length > MAX_SEGMENT_ID_LENGTH) {
    throw new UserError(
      `The segment id is ${characters.length} characters long; at most ${MAX_SEGMENT_ID_LENGTH} are accepted.`,
      hint,
    );
  }
  const index = characters.findIndex(
    (character) => character !== ' ' && NOT_PRINTABLE.test(character),
  );
  if (index >= 0) {
    const codePoint = (characters[index] as string).codePointAt(0) ?? 0;
    throw new UserError(
      `The segment id contains U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}, a ` +
        `control, invisible or non-printable character, at character ${index + 1}.`,
      `${hint} Type it rather than pasting it if the copy carries hidden characters.`,
    );
  }
  return trimmed;
}
