import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { segmentIdProblem } from '../../src/core/segment-id.js';
import { classifyResponse, matchStopCondition } from '../../src/wati/classify-create.js';

const json = (value: unknown) => JSON.stringify(value);

describe('classifyResponse', () => {
  const cases: {
    label: string;
    status: number;
    body: string;
    headers?: Record<string, string | string[] | undefined>;
    expected: Record<string, unknown>;
  }[] = [
    {
      label: '200 with result true and a string id',
      status: 200,
      body: json({ result: true, info: { id: 'abc', name: 'VIP' } }),
      expected: { kind: 'created', id: 'abc' },
    },
    {
      label: '200 with a numeric id',
      status: 200,
      body: json({ result: true, info: { id: 987 } }),
      expected: { kind: 'created', id: '987' },
    },
    {
      label: '200 with result false',
      status: 200,
      body: json({ result: false, info: 'Invalid filter' }),
      expected: { kind: 'failed', status: 200 },
    },
    {
      label: '200 with result false saying the limit is reached',
      status: 200,
      body: json({ result: false, message: 'Segment limit has been reached' }),
      expected: { kind: 'stop', reason: 'limit-reached', status: 200 },
    },
    {
      label: '200 with an empty body (not the documented JSON)',
      status: 200,
      body: '',
      expected: { kind: 'unknown', status: 200 },
    },
    {
      label: '200 HTML page (a dashboard, not the API)',
      status: 200,
      body: '<html><title>WATI</title></html>',
      expected: { kind: 'unknown', status: 200 },
    },
    {
      label: '200 with truncated JSON',
      status: 200,
      body: '{"result": true, "info": {"id": "ab',
      expected: { kind: 'unknown', status: 200 },
    },
    {
      label: '200 with JSON that has no result',
      status: 200,
      body: json({ ok: true }),
      expected: { kind: 'unknown', status: 200 },
    },
    {
      label: '200 with plain text',
      status: 200,
      body: 'OK',
      expected: { kind: 'unknown', status: 200 },
    },
    {
      label: '200 with result true and an id that is an object (recorded as created)',
      status: 200,
      body: json({ result: true, info: { id: { weird: 1 } } }),
      expected: { kind: 'created', id: '{"weird":1}' },
    },
    {
      label: '200 with result true and an id full of control characters (created, id not kept)',
      status: 200,
      body: json({ result: true, info: { id: 'x\n::add-mask::y\u001b[2J' } }),
      expected: {
        kind: 'created',
        id: "[id not kept: Wati's answer was not a usable id: it contains U+000A, a control, invisible or non-printable character, at character 2]",
      },
    },
    {
      label: '201 with result false (not documented)',
      status: 201,
      body: json({ result: false }),
      expected: { kind: 'unknown', status: 201 },
    },
    {
      label: '200 with result true but no id',
      status: 200,
      body: json({ result: true, info: { name: 'VIP' } }),
      expected: { kind: 'unknown', status: 200 },
    },
    {
      label: '200 with result true and an empty id',
      status: 200,
      body: json({ result: true, info: { id: '  ' } }),
      expected: { kind: 'unknown', status: 200 },
    },
    {
      label: '200 with an id but no result',
      status: 200,
      body: json({ info: { id: 'x1' } }),
      expected: { kind: 'unknown', status: 200 },
    },
    {
      label: '201 with the documented body',
      status: 201,
      body: json({ result: true, info: { id: 'n1' } }),
      expected: { kind: 'created', id: 'n1' },
    },
    {
      label: '202 without a body',
      status: 202,
      body: '',
      expected: { kind: 'unknown', status: 202 },
    },
    {
      label: '400 limit reached',
      status: 400,
      body: json({ message: 'Active segment limit reached' }),
      expected: { kind: 'stop', reason: 'limit-reached', status: 400 },
    },
    {
      label: '400 feature not available (nested error object)',
      status: 400,
      body: json({
        error: { code: 'E42', message: 'This feature is not available for your plan' },
      }),
      expected: { kind: 'stop', reason: 'feature-unavailable', status: 400 },
    },
    {
      label: '400 validation problem',
      status: 400,
      body: json({ title: 'Bad', errors: { Name: ['The Name field is required.'] } }),
      expected: { kind: 'failed', status: 400 },
    },
    {
      label: '400 name too long (a different limit)',
      status: 400,
      body: json({ message: 'Segment name exceeds the length limit' }),
      expected: { kind: 'failed', status: 400 },
    },
    {
      label: '401',
      status: 401,
      body: '',
      expected: { kind: 'stop', reason: 'unauthorized', status: 401 },
    },
    {
      label: '403 without a reason',
      status: 403,
      body: json({ message: 'Forbidden' }),
      expected: { kind: 'stop', reason: 'unauthorized', status: 403 },
    },
    {
      label: '403 saying the plan lacks the feature',
      status: 403,
      body: json({ message: 'Please upgrade your plan to use segments' }),
      expected: { kind: 'stop', reason: 'feature-unavailable', status: 403 },
    },
    {
      label: '404 (wrong endpoint: every create would fail alike)',
      status: 404,
      body: 'Not Found',
      expected: { kind: 'stop', reason: 'misconfigured', status: 404 },
    },
    {
      label: '422',
      status: 422,
      body: json({ detail: 'refreshType invalid' }),
      expected: { kind: 'failed', status: 422 },
    },
    {
      label: '429 with Retry-After seconds',
      status: 429,
      body: '',
      headers: { 'retry-after': '2' },
      expected: { kind: 'retry', status: 429, retryAfterMs: 2000 },
    },
    {
      label: '429 whose text mentions a limit (rate limit, not the segment quota)',
      status: 429,
      body: 'Rate limit exceeded',
      expected: { kind: 'retry', status: 429 },
    },
    {
      label: '503 with Retry-After given in mixed case',
      status: 503,
      body: '',
      headers: { 'Retry-After': '1' },
      expected: { kind: 'retry', status: 503, retryAfterMs: 1000 },
    },
    {
      label: '500 (documented: failed to create)',
      status: 500,
      body: json({ message: 'Internal error' }),
      expected: { kind: 'retry', status: 500 },
    },
    {
      label: '502 from a gateway',
      status: 502,
      body: '<html><head><title>502 Bad Gateway</title></head></html>',
      expected: { kind: 'unknown', status: 502 },
    },
    {
      label: '504 gateway timeout',
      status: 504,
      body: '',
      expected: { kind: 'unknown', status: 504 },
    },
    {
      label: '520 (undocumented 5xx)',
      status: 520,
      body: '',
      expected: { kind: 'unknown', status: 520 },
    },
    {
      label: '301 to another host',
      status: 301,
      body: '',
      headers: { location: 'https://other.example.com/123' },
      expected: { kind: 'stop', status: 301 },
    },
    {
      label: '303 See Other after a POST',
      status: 303,
      body: '',
      headers: { location: '/segments/1' },
      expected: { kind: 'unknown', status: 303 },
    },
  ];

  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(status, headers ?? {}, body)).toMatchObject(expected);
  });

  it('puts the server message into a failure', () => {
    const result = classifyResponse(400, {}, json({ message: 'Dynamic segment needs groups' }));
    expect(result).toMatchObject({ kind: 'failed' });
    expect(result.kind === 'failed' && result.message).toContain('Dynamic segment needs groups');
  });

  it('quotes the server message of a 200 with result false', () => {
    const result = classifyResponse(200, {}, json({ result: false, info: 'Invalid filter' }));
    expect(result.kind === 'failed' && result.message).toBe(
      'Wati answered 200 with result false: Invalid filter',
    );
  });

  it('records a 10 MB id as created, with a placeholder that passes the id check', () => {
    const id = 'a'.repeat(10_000_000);
    const result = classifyResponse(200, {}, json({ result: true, info: { id } }));
    expect(result.kind).toBe('created');
    const stored = result.kind === 'created' ? result.id : '';
    expect(stored).toBe(
      "[id not kept: Wati's answer was not a usable id: it is more than 256 characters long]",
    );
    expect(segmentIdProblem(stored)).toBeUndefined();
  });

  it('records whatever id the server sends as created: kept when usable, else a placeholder', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (id) => {
        const result = classifyResponse(200, {}, json({ result: true, info: { id } }));
        if (id.trim() === '') return; // no id at all: an unknown outcome, tested above
        expect(result.kind).toBe('created');
        const stored = result.kind === 'created' ? result.id : '';
        expect(segmentIdProblem(stored)).toBeUndefined();
        if (segmentIdProblem(id.trim()) === undefined) expect(stored).toBe(id.trim());
        else expect(stored).toMatch(/^\[id not kept: /);
      }),
    );
  });

  it('names the redirect target host, not its path', () => {
    const result = classifyResponse(
      302,
      { location: 'https://app.wati.io/login?session=secret' },
      '',
    );
    expect(result.kind === 'stop' && result.message).toContain('app.wati.io');
    expect(JSON.stringify(result)).not.toContain('secret');
  });

  it('tells the user to check the token on 401, without any token', () => {
    const result = classifyResponse(401, {}, '');
    expect(result.kind === 'stop' && result.message).toMatch(/token/i);
  });

  it('omits an unusable Retry-After', () => {
    const result = classifyResponse(429, { 'retry-after': 'soon' }, '');
    expect(result).toEqual({ kind: 'retry', status: 429, message: expect.any(String) as string });
  });
});

describe('matchStopCondition', () => {
  const cases: [string, 'limit-reached' | 'feature-unavailable' | undefined][] = [
    ['Active segment limit reached', 'limit-reached'],
    ['The active segment limit has been reached.', 'limit-reached'],
    ['segment limit has been reached', 'limit-reached'],
    ['SEGMENT_LIMIT_REACHED', 'limit-reached'],
    ['You have reached the maximum number of segments for your plan', 'limit-reached'],
    ['Maximum number of segments reached', 'limit-reached'],
    ['Limit exceeded', 'limit-reached'],
    ['limit has been exceeded', 'limit-reached'],
    ['You have reached the segment limit', 'limit-reached'],
    ['Too many active segments', 'limit-reached'],
    ['Segment quota exceeded', 'limit-reached'],
    ['Segment limit reached, upgrade your plan to create more', 'limit-reached'],
    ['This feature is not available for your account', 'feature-unavailable'],
    ['Feature not available', 'feature-unavailable'],
    ['Custom segments are not enabled for this account', 'feature-unavailable'],
    ['Please upgrade your plan', 'feature-unavailable'],
    ['Your subscription does not include this feature', 'feature-unavailable'],
    ['feature is disabled', 'feature-unavailable'],
    ["This feature isn't available on your current plan", 'feature-unavailable'],
    // Near-misses: other limits and other problems.
    ['name exceeds the length limit', undefined],
    ['Segment name exceeds the length limit', undefined],
    ['Rate limit exceeded', undefined],
    ['API rate limit reached, try again later', undefined],
    ['Request limit exceeded', undefined],
    ['Too many requests', undefined],
    ['contactIds limit exceeded (max 1000)', undefined],
    ['Maximum of 10 conditions per group', undefined],
    ['Contact not available', undefined],
    ['Attribute country is not available', undefined],
    ['Name is required', undefined],
    ['Unlimited segments are included', undefined],
    ['', undefined],
  ];

  it.each(cases)('%j → %s', (message, expected) => {
    expect(matchStopCondition(message)).toBe(expected);
  });
});
