// Reading a server's answer, whatever the call: the message it carries (scrubbed of secrets,
// bounded, without control characters), its Retry-After, a header, whether its body is JSON. Pure:
// no I/O, no clock. Each operation (classify-create.ts, evaluate-segment.ts) decides what an
// answer means for it; this module only reads.

import { isRecord } from '../core/guards.js';

export type HttpHeaders = Record<string, string | string[] | undefined>;

/** Hides secrets in server text; applied to decoded text before anything is cut to length. */
export type Scrub = (text: string) => string;
const keep: Scrub = (text) => text;

const MAX_MESSAGE_LENGTH = 300;
/** Error bodies larger than this are not parsed as JSON; only their beginning is read as text. */
const MAX_PARSED_ERROR_BODY = 256 * 1024;
const MAX_TEXT_SCAN = 64 * 1024;
const MAX_JSON_DEPTH = 6;
const MAX_JSON_NODES = 500;
const MAX_LIST_ITEMS = 5;

// ---------------------------------------------------------------------------------------------
// Retry-After

/** Milliseconds to wait from `now` per a Retry-After value (seconds or HTTP-date); undefined if unusable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    // Too many digits for a number is still a (very) long wait, not a missing header.
    const ms = Math.round(Number(text) * 1000);
    return Number.isFinite(ms) ? ms : Number.POSITIVE_INFINITY;
  }
  // Date.parse accepts odd inputs ("12" is a year), so only text with a month or weekday name.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

// ---------------------------------------------------------------------------------------------
// Server message extraction

/** Keys that usually hold an error message, best first; compared lower-case without _ and -. */
const MESSAGE_KEYS = [
  'message',
  'errormessage',
  'errordescription',
  'error',
  'errors',
  'detail',
  'details',
  'title',
  'info',
  'description',
  'msg',
  'reason',
  'result',
];

/**
 * The server's message in a JSON, text or HTML body: trimmed, without control characters, capped.
 * `scrub` runs on the whole text and again on every decoded form (JSON strings, HTML entities),
 * always before a cut, so no cut can leave part of a secret behind.
 */
export function extractServerMessage(bodyText: string, scrub: Scrub = keep): string | undefined {
  const raw = bodyText.replace(/^\uFEFF/, '').trim();
  if (raw === '') return undefined;
  if (raw.length <= MAX_PARSED_ERROR_BODY) {
    const json = parseJson(raw);
    if (json !== undefined) {
      const budget = { nodes: MAX_JSON_NODES };
      const found = findMessage(json, 0, budget, undefined);
      return cleanMessage(scrub(found ?? raw));
    }
  }
  const head = scrub(raw).slice(0, MAX_TEXT_SCAN);
  return cleanMessage(scrub(head.startsWith('<') ? htmlToText(head) : head));
}

function findMessage(
  value: unknown,
  depth: number,
  budget: { nodes: number },
  parentKey: string | undefined,
): string | undefined {
  if (depth > MAX_JSON_DEPTH || budget.nodes <= 0) return undefined;
  budget.nodes -= 1;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (Array.isArray(value)) {
    const found: string[] = [];
    for (const item of value) {
      if (found.length >= MAX_LIST_ITEMS || budget.nodes <= 0) break;
      const message = findMessage(item, depth + 1, budget, undefined);
      if (message !== undefined) found.push(message);
    }
    return found.length > 0 ? found.join('; ') : undefined;
  }
  if (!isRecord(value)) return undefined;

  const entries = Object.entries(value);
  const byKey = new Map(
    entries.map(([key, item]) => [key.toLowerCase().replace(/[_-]/g, ''), item]),
  );
  for (const key of MESSAGE_KEYS) {
    if (!byKey.has(key)) continue;
    const message = findMessage(byKey.get(key), depth + 1, budget, key);
    if (message !== undefined) return message;
  }
  // A validation map such as {"errors": {"Name": ["The Name field is required."]}}.
  if (parentKey === 'errors') {
    const found: string[] = [];
    for (const [key, item] of entries) {
      if (found.length >= MAX_LIST_ITEMS) break;
      const message = findMessage(item, depth + 1, budget, undefined);
      if (message !== undefined) found.push(`${key}: ${message}`);
    }
    return found.length > 0 ? found.join('; ') : undefined;
  }
  // A message wrapped in some other envelope, e.g. {"data": {"message": "…"}}.
  for (const [, item] of entries) {
    if (typeof item !== 'object' || item === null) continue;
    const message = findMessage(item, depth + 1, budget, undefined);
    if (message !== undefined) return message;
  }
  return undefined;
}

function htmlToText(html: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  const heading = /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(html)?.[1];
  const chosen =
    [title, heading].find((part) => part !== undefined && stripTags(part).trim() !== '') ??
    html.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ').replace(/<!--[\s\S]*?-->/g, ' ');
  return decodeEntities(stripTags(chosen));
}

function stripTags(html: string): string {
  return html.replace(/<[^>]*>/g, ' ');
}

function decodeEntities(text: string): string {
  const named: Record<string, string> = {
    amp: '&',
    lt: '<',
    gt: '>',
    quot: '"',
    apos: "'",
    nbsp: ' ',
  };
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]+);/gi, (entity, name: string) => {
    if (name.startsWith('#')) {
      const code =
        name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
    }
    return named[name.toLowerCase()] ?? entity;
  });
}

/** C0/C1 controls, zero-width and bidirectional formatting characters. */
const INVISIBLE_CHARACTERS =
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** Removes control and invisible formatting characters (terminal injection), collapses space, caps. */
function cleanMessage(text: string): string | undefined {
  const cleaned = text.replace(INVISIBLE_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
  if (cleaned === '') return undefined;
  if (cleaned.length <= MAX_MESSAGE_LENGTH) return cleaned;
  let cut = MAX_MESSAGE_LENGTH - 1;
  // Do not split a surrogate pair.
  const last = cleaned.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${cleaned.slice(0, cut).trimEnd()}…`;
}

// ---------------------------------------------------------------------------------------------
// Small readers

/** A few words about a body that is not a JSON object, without quoting it. */
export function describeNonJson(bodyText: string): string {
  const text = bodyText.replace(/^\uFEFF/, '').trim();
  if (text === '') return 'an empty body instead of the documented JSON';
  if (text.startsWith('<')) return 'an HTML or XML page instead of the documented JSON';
  if (text.startsWith('{') || text.startsWith('[')) return 'malformed or incomplete JSON';
  return 'text instead of the documented JSON';
}

/** Where a redirect points, as shown: only the host (a path may carry session or tenant details). */
export function redirectTarget(location: string | undefined): string {
  if (location === undefined || location.trim() === '') return 'elsewhere';
  try {
    const url = new URL(location.trim());
    return `to ${url.host}`;
  } catch {
    return 'to another path on the same host';
  }
}

/** The body as JSON without a leading byte-order mark, or undefined when it is not JSON. */
export function parseJsonBody(bodyText: string): unknown {
  return parseJson(bodyText.replace(/^\uFEFF/, '').trim());
}

function parseJson(text: string): unknown {
  if (!text.startsWith('{') && !text.startsWith('[') && !text.startsWith('"')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A header's (first) value, whatever the case of its name. */
export function headerValue(headers: HttpHeaders, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}
