// Defence in depth: messages are built from our own words and the server's text, never from got
// error objects; still, a server (or a proxy) may echo request headers back in its answer, in any
// encoding. Redaction runs on the whole decoded text BEFORE anything is cut to length, so a cut
// can never leave a prefix of the token behind; the last layer also hides long partial matches.

const REDACTED = '[redacted]';
const MAX_PARTIAL_SCAN = 16 * 1024;

/** Shortest run of the token's characters that is hidden when it appears on its own (a cut-off echo). */
export const MIN_PARTIAL_MATCH = 8;

/**
 * A redactor for one secret. Hides, wherever they appear in `text`:
 * - the secret with each character written raw, JSON-escaped (`\/`, `\u002B` as .NET writes it,
 *   any hex case), URL-encoded (`%2B`, `%2b`) or as an HTML character reference (`&#43;`, `&#x2b;`),
 *   in any mix;
 * - its base64 and base64url forms, wherever they sit inside a longer encoded blob;
 * - any credential after the word "Bearer";
 * - any run of MIN_PARTIAL_MATCH or more characters of the secret (what a cut by someone else leaves).
 */
export function createRedactor(secret: string): (text: string) => string {
  const patterns = secret === '' ? [] : [anyEscapingOf(secret), ...base64Forms(secret)];
  return (text) => {
    let result = text;
    for (const pattern of patterns) result = result.replace(pattern, REDACTED);
    result = hidePartialMatches(result, secret);
    // Whatever credential follows "Bearer" is hidden too, even if it is not ours or was cut short.
    return result.replace(/\b(bearer)(\s+|%20|\+)(?!\[redacted\])[^\s"'<>,;]+/gi, `$1 ${REDACTED}`);
  };
}

/** One-off form of createRedactor. */
export function redactSecret(text: string, secret: string): string {
  return createRedactor(secret)(text);
}

function anyEscapingOf(secret: string): RegExp {
  const parts = Array.from(secret, (char) => {
    const code = char.codePointAt(0)!;
    const hex = code.toString(16).padStart(2, '0');
    const forms = [
      escapeRegExp(char),
      `\\\\u${anyCaseHex(hex.padStart(4, '0'))}`,
      `&#0*${code};`,
      `&#[xX]0*${anyCaseHex(hex)};`,
    ];
    if (code < 0x80) forms.push(`%${anyCaseHex(hex)}`);
    // JSON may escape / (and must escape " and \) with a backslash.
    if (char === '/' || char === '"' || char === '\\') forms.push(`\\\\${escapeRegExp(char)}`);
    return `(?:${forms.join('|')})`;
  });
  return new RegExp(parts.join(''), 'g');
}

/**
 * base64 of the secret depends on where it starts within the encoded bytes (3 alignments). For
 * each alignment, the characters that encode only the secret's own bits are the same wherever it
 * sits: those are hidden (at most one character at each end encodes a neighbour's bits too).
 */
function base64Forms(secret: string): RegExp[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = new Set<string>();
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes, Buffer.alloc(3)]);
    const encoded = padded.toString('base64');
    // Characters 4·k..: each group of 4 encodes 3 bytes; skip the ones that carry the padding.
    const start = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    const core = encoded.slice(start, end);
    if (core.length >= 4) {
      forms.add(core);
      forms.add(core.replaceAll('+', '-').replaceAll('/', '_'));
    }
  }
  return [...forms].map((form) => new RegExp(escapeRegExp(form), 'g'));
}

/** Replaces every run of at least MIN_PARTIAL_MATCH characters that also occurs in the secret. */
function hidePartialMatches(text: string, secret: string): string {
  if (secret.length < MIN_PARTIAL_MATCH || text.length < MIN_PARTIAL_MATCH) return text;
  // A whole answer (up to 1 MiB) is only scanned for complete occurrences above; the messages
  // quoted from it are short and get this scan when they are redacted once more at the end.
  if (text.length > MAX_PARTIAL_SCAN) return text;
  const grams = new Set<string>();
  for (let i = 0; i + MIN_PARTIAL_MATCH <= secret.length; i++) {
    grams.add(secret.slice(i, i + MIN_PARTIAL_MATCH));
  }
  // Mark every character covered by a shared run, then replace each marked stretch once.
  const covered = new Uint8Array(text.length);
  let any = false;
  for (let i = 0; i + MIN_PARTIAL_MATCH <= text.length; i++) {
    if (grams.has(text.slice(i, i + MIN_PARTIAL_MATCH))) {
      covered.fill(1, i, i + MIN_PARTIAL_MATCH);
      any = true;
    }
  }
  if (!any) return text;
  let result = '';
  for (let i = 0; i < text.length; i++) {
    if (covered[i] === 0) result += text[i];
    else if (i === 0 || covered[i - 1] === 0) result += REDACTED;
  }
  return result;
}

function anyCaseHex(hex: string): string {
  return Array.from(hex, (digit) =>
    /[a-f]/i.test(digit) ? `[${digit.toLowerCase()}${digit.toUpperCase()}]` : digit,
  ).join('');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
