// Maps one HTTP answer from Wati's create call to what it means for the segment. Pure: no I/O; the
// time (for a Retry-After given as an HTTP date) is a parameter. Reading the answer's message,
// Retry-After and JSON is server-answer.ts's job, shared with the preview.
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
import {
  describeNonJson,
  extractServerMessage,
  headerValue,
  parseJsonBody,
  parseRetryAfter,
  redirectTarget,
} from './server-answer.js';
import type { HttpHeaders, Scrub } from './server-answer.js';

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

export function classifyResponse(
  status: number,
  headers: HttpHeaders,
  bodyText: string,
  scrub: Scrub = (text) => text,
  nowMs: number = Date.now(),
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
    const retryAfterMs = parseRetryAfter(headerValue(headers, 'retry-after'), nowMs);
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
  const body = parseJsonBody(bodyText);
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
// Small helpers

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
