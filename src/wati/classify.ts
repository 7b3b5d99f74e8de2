// Maps one HTTP answer from Wati to what it means for the segment. Pure: no I/O, no clock.
//
// The error bodies and messages of the create call are not documented, so the server's message is
// searched for wherever it usually is, and the account-wide stops ("limit reached", "feature not
// available") are recognised by tolerant wording, in one place: matchStopCondition.
//
// Safety rule: when an answer does not prove that the segment was NOT created, it is 'unknown'
// (never retried), because a duplicate segment in the customer's account is the worst outcome.

import { segmentIdProblem } from '../core/segment-id.js';
import type { AccountStopReason } from '../core/model.js';
import { isRecord } from '../core/guards.js';

export type Classification =
  | { kind: 'created'; id: string }
  /** Definitely not created: Wati (or something in front of it) refused this segment. */
  | { kind: 'failed'; message: string; status: number }
  /** Definitely not created, and no further create can succeed with this account or endpoint. */
  | { kind: 'stop'; reason: AccountStopReason; message: string; status: number }
  /** Definitely not created, and worth sending again (rate limit, documented 500, overload). */
  | { kind: 'retry'; message: string; status: number; retryAfterMs?: number }
  /** The answer does not say whether the segment exists: never retry automatically. */
  | { kind: 'unknown'; message: string; status: number };

export type HttpHeaders = Record<string, string | string[] | undefined>;

const MAX_MESSAGE_LENGTH = 300;
/** Error bodies larger than this are not parsed as JSON; only their beginning is read as text. */
const MAX_PARSED_ERROR_BODY = 256 * 1024;
const MAX_TEXT_SCAN = 64 * 1024;
const MAX_JSON_DEPTH = 6;
const MAX_JSON_NODES = 500;
const MAX_LIST_ITEMS = 5;

/** Hides secrets in server text; applied to decoded text before anything is cut to length. */
export type Scrub = (text: string) => string;
const keep: Scrub = (text) => text;

export function classifyResponse(
  status: number,
  headers: HttpHeaders,
  bodyText: string,
  scrub: Scrub = keep,
): Classification {
  if (status >= 200 && status < 300) return classifySuccessStatus(status, bodyText, scrub);

  const server = extractServerMessage(bodyText, scrub);
  const answered = (note = '') =>
    `Wati answered HTTP ${status}${note}${server === undefined ? '' : `: ${server}`}`;

  if (status >= 300 && status < 400) return classifyRedirect(status, headers, answered);

  if (status === 429 || status === 503 || status === 500) {
    const note =
      status === 429
        ? ' (rate limited)'
        : status === 503
          ? ' (service unavailable)'
          : ' (internal error; the segment was not created)';
    const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'), Date.now());
    return retryAfterMs === undefined
      ? { kind: 'retry', message: answered(note), status }
      : { kind: 'retry', message: answered(note), status, retryAfterMs };
  }

  if (status >= 400 && status < 500) {
    // Checked for every 4xx: Wati documents 400, but a 403 or 422 saying "upgrade your plan" means
    // the same thing for the run.
    const stop = stopFor(status, server);
    if (stop) return stop;
    if (status === 401 || status === 403) {
      return {
        kind: 'stop',
        reason: 'unauthorized',
        message: `${answered(' (not authorised)')}; check the API token and the endpoint (with its tenant path) in the Wati dashboard`,
        status,
      };
    }
    if (status === 404 || status === 405) {
      // A wrong endpoint fails every create the same way: stop instead of failing each segment.
      return {
        kind: 'stop',
        reason: 'misconfigured',
        message: `${answered(' (no such API)')}; check the endpoint and its tenant path in the Wati dashboard`,
        status,
      };
    }
    return { kind: 'failed', message: answered(''), status };
  }

  // 502 and 504 come from a gateway that may have forwarded the request before the upstream
  // failed or timed out; other 5xx are undocumented. None of them proves the segment was not
  // created, so the outcome is unknown and the create is not repeated automatically.
  if (status >= 500 && status < 600) {
    return {
      kind: 'unknown',
      message: `${answered()}; the request may have reached Wati, so the segment may have been created`,
      status,
    };
  }
  return {
    kind: 'unknown',
    message: `${answered()} (an unexpected status); the segment may have been created`,
    status,
  };
}

/**
 * A 2xx proves only what its body says. The documented success (`result: true`) means the segment
 * exists, whatever its id looks like; the documented failure (`result: false`, JSON, HTTP 200) means
 * it does not. Anything else — HTML, text, an empty body, other JSON — is not the documented answer
 * and does not tell whether the segment was created: unknown, never failed (a failure would invite a
 * duplicate on the next run).
 */
function classifySuccessStatus(status: number, bodyText: string, scrub: Scrub): Classification {
  const body = parseJson(bodyText.replace(/^\uFEFF/, '').trim());
  const unknown = (what: string): Classification => ({
    kind: 'unknown',
    message: `Wati answered HTTP ${status} with ${what}; the segment may have been created`,
    status,
  });
  if (!isRecord(body)) return unknown(describeNonJson(bodyText));
  const result = body['result'];
  const id = segmentIdOf(body['info']);

  if (isTrue(result)) {
    if (id !== undefined) return { kind: 'created', id: recordableId(id, scrub) };
    return unknown('result true but no segment id (find its id in the Wati dashboard)');
  }
  if (id !== undefined) return unknown('a segment id but no result true');
  if (!isFalse(result)) return unknown('JSON that is not the documented answer (no result)');
  if (status !== 200) {
    // 201/202/204 with result false is not a documented combination.
    return unknown(`result false, which Wati documents only with HTTP 200`);
  }
  // Wati's APIs answer 200 with result false on failure; that failure may be an account-wide stop.
  const server = extractServerMessage(bodyText, scrub);
  const stop = stopFor(status, server);
  if (stop) return stop;
  return {
    kind: 'failed',
    message: `Wati answered 200 with result false${server === undefined ? '' : `: ${server}`}`,
    status,
  };
}

/** A few words about a body that is not a JSON object, without quoting it. */
function describeNonJson(bodyText: string): string {
  const text = bodyText.replace(/^\uFEFF/, '').trim();
  if (text === '') return 'an empty body instead of the documented JSON';
  if (text.startsWith('<')) return 'an HTML or XML page instead of the documented JSON';
  if (text.startsWith('{') || text.startsWith('[')) return 'malformed or incomplete JSON';
  return 'text instead of the documented JSON';
}

function classifyRedirect(
  status: number,
  headers: HttpHeaders,
  answered: (note?: string) => string,
): Classification {
  // 303 See Other is how servers answer a POST that did its work ("see the result there").
  if (status === 303) {
    return {
      kind: 'unknown',
      message: `${answered(' (See Other)')}, which usually follows a completed create; the segment may have been created`,
      status,
    };
  }
  // Any other redirect was answered instead of processed (http→https, moved host, login page),
  // so nothing was created; redirects are never followed because that would resend the create
  // (and the token) to another host. Every further create would meet the same redirect, hence stop.
  const target = redirectTarget(headerValue(headers, 'location'));
  return {
    kind: 'stop',
    reason: 'misconfigured',
    message: `the endpoint redirects ${target} (HTTP ${status}); redirects are not followed: use the final API endpoint shown in the Wati dashboard`,
    status,
  };
}

function redirectTarget(location: string | undefined): string {
  if (location === undefined || location.trim() === '') return 'elsewhere';
  try {
    // Only the host is shown: a redirect path may carry session or tenant details.
    const url = new URL(location.trim());
    return `to ${url.host}`;
  } catch {
    return 'to another path on the same host';
  }
}

function stopFor(status: number, server: string | undefined): Classification | undefined {
  if (server === undefined) return undefined;
  const reason = matchStopCondition(server);
  if (reason === 'limit-reached') {
    return {
      kind: 'stop',
      reason,
      message: `the account's active segment limit is reached (Wati answered HTTP ${status}: ${server})`,
      status,
    };
  }
  if (reason === 'feature-unavailable') {
    return {
      kind: 'stop',
      reason,
      message: `custom segments are not available for this Wati account (Wati answered HTTP ${status}: ${server})`,
      status,
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Stop conditions

/** Messages about some other limit (name length, rate, contacts per segment) are not the segment quota. */
const OTHER_LIMIT =
  /\b(rate|length|long|characters?|chars?|size|bytes?|requests?|throttl\w*|contacts?|contact ?ids?|conditions?|groups?|filters?|attributes?|values?|per (second|minute|hour|day))\b/;

const LIMIT_REACHED: readonly RegExp[] = [
  /\bsegments?\b.*\blimits?\b.*\b(reached|exceeded|hit|exhausted)\b/, // active segment limit (has been) reached
  /\b(reached|exceeded|hit)\b.*\bsegments?\b.*\blimits?\b/, // you have reached the segment limit
  /\b(max|maximum)\b.*\b(number of )?(active |custom )?segments?\b/, // maximum number of segments
  /\bsegments?\b.*\b(quota|maximum)\b/, // segment quota exceeded
  /\btoo many (active |custom )?segments\b/,
  /\blimits? (has been |have been |was |is )?(reached|exceeded|hit)\b/, // limit exceeded
  /\b(reached|exceeded)\b.*\b(your|the|its) limit\b/, // you have reached your limit
];

const FEATURE_UNAVAILABLE: readonly RegExp[] = [
  /\bfeatures?\b.*\b(not|isn t|is not) (available|enabled|supported|allowed|included|active)\b/,
  /\bfeatures? (is |are )?(disabled|unavailable|locked|restricted)\b/,
  /\bnot (available|enabled|supported|allowed|included) (for|on|in) (this|your|the) (\w+ )?(account|plan|subscription|tenant|workspace)\b/,
  /\bupgrade (your|the|to a) (\w+ )?(plan|subscription|account|tier)\b/,
  /\b(plan|subscription) (does not|doesn t) (include|support|allow|cover)\b/,
];

/**
 * Recognises the documented account-wide stops in a server message, tolerant of wording and
 * punctuation. Returns undefined for anything else, including other limits ("name exceeds the
 * length limit", "rate limit exceeded").
 */
export function matchStopCondition(
  message: string,
): 'limit-reached' | 'feature-unavailable' | undefined {
  const text = message
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  if (text === '') return undefined;
  // Limit first: "segment limit reached, upgrade your plan" is about the limit.
  if (!OTHER_LIMIT.test(text) && LIMIT_REACHED.some((pattern) => pattern.test(text))) {
    return 'limit-reached';
  }
  if (FEATURE_UNAVAILABLE.some((pattern) => pattern.test(text))) return 'feature-unavailable';
  return undefined;
}

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
// Small helpers

function parseJson(text: string): unknown {
  if (!text.startsWith('{') && !text.startsWith('[') && !text.startsWith('"')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

function isFalse(value: unknown): boolean {
  return value === false || (typeof value === 'string' && value.trim().toLowerCase() === 'false');
}

/**
 * The id a created segment is recorded and shown with. The segment exists whatever its id looks
 * like, so an id that cannot be kept never turns the create into a failure (that would invite a
 * duplicate on the next run): it is recorded as created with a placeholder saying why. An id that
 * carries the token (a server echoing the Authorization header) or any other credential is never
 * kept, not even redacted: it is not an id.
 */
function recordableId(id: string, scrub: Scrub): string {
  if (scrub(id) !== id) return idNotKept("Wati's answer held a credential where the id belongs");
  const problem = segmentIdProblem(id);
  return problem === undefined ? id : idNotKept(`Wati's answer was not a usable id: ${problem}`);
}

function idNotKept(reason: string): string {
  return `[id not kept: ${reason}]`;
}

/** The id as text, whatever JSON value the server sent; undefined when there is none. */
function segmentIdOf(info: unknown): string | undefined {
  if (!isRecord(info)) return undefined;
  const id = info['id'];
  if (id === undefined || id === null) return undefined;
  if (typeof id === 'string') return id.trim() === '' ? undefined : id.trim();
  if (typeof id === 'number' || typeof id === 'boolean') return String(id);
  // An object or array where an id belongs: kept in its JSON form, bounded by the caller.
  return JSON.stringify(id);
}

function headerValue(headers: HttpHeaders, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}
