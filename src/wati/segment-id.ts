// Segment ids come from the server (or from a person typing `state resolve --id`): untrusted text
// that is stored in the state file and shown in reports. Whatever Wati answers alongside
// `result: true` is recorded (the segment exists), but never more than a bounded length, so a
// hostile or broken server cannot bloat the state file or flood a terminal. Escaping for each
// output happens at the sink (src/render); this module only bounds and validates.

/** Longest id kept, the elision note included. Real Wati ids are a few dozen characters. */
export const MAX_SEGMENT_ID_LENGTH = 256;

/**
 * The id as stored: unchanged when it fits, otherwise its beginning followed by a note saying how
 * much was elided, together at most MAX_SEGMENT_ID_LENGTH characters.
 */
export function boundSegmentId(id: string): string {
  if (id.length <= MAX_SEGMENT_ID_LENGTH) return id;
  // The note's own length depends on the count; size it for the worst case first.
  const noteFor = (elided: number) => `… (${elided} more characters elided)`;
  let keep = MAX_SEGMENT_ID_LENGTH - noteFor(id.length).length;
  // Do not split a surrogate pair.
  const last = id.charCodeAt(keep - 1);
  if (last >= 0xd800 && last <= 0xdbff) keep -= 1;
  return `${id.slice(0, keep)}${noteFor(id.length - keep)}`;
}

/**
 * Why a segment id typed by a person cannot be right, or undefined when it is acceptable: printable
 * characters only (no controls, no invisible formatting or bidi characters, no lone surrogates)
 * and at most MAX_SEGMENT_ID_LENGTH characters. Callers trim surrounding space first.
 */
export function segmentIdProblem(id: string): string | undefined {
  if (id.trim() === '') return 'it is empty';
  if (id.length > MAX_SEGMENT_ID_LENGTH) {
    return `it is ${id.length} characters long (at most ${MAX_SEGMENT_ID_LENGTH})`;
  }
  // Cs: with the u flag only a lone surrogate matches (broken Unicode).
  const bad = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u.exec(id);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `it contains the invisible or control character U+${code} at position ${bad.index + 1}`;
  }
  return undefined;
}
