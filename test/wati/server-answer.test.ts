// Reading a server's answer (src/wati/server-answer.ts): the message it carries and its Retry-After.
import { describe, expect, it } from 'vitest';
import { extractServerMessage, parseRetryAfter } from '../../src/wati/server-answer.js';

const json = (value: unknown) => JSON.stringify(value);

describe('extractServerMessage', () => {
  const cases: [string, string, string | undefined][] = [
    ['JSON message', json({ message: 'Name missing' }), 'Name missing'],
    ['JSON Message in PascalCase', json({ Message: 'Name missing' }), 'Name missing'],
    ['JSON error string', json({ error: 'Invalid refreshType' }), 'Invalid refreshType'],
    ['JSON nested error', json({ error: { code: 1, message: 'Deep' } }), 'Deep'],
    ['JSON errors array of strings', json({ errors: ['a wrong', 'b wrong'] }), 'a wrong; b wrong'],
    [
      'JSON errors array of objects',
      json({ errors: [{ field: 'name', message: 'required' }] }),
      'required',
    ],
    [
      'JSON validation map (ProblemDetails)',
      json({ title: 'One or more validation errors occurred.', errors: { Name: ['Required'] } }),
      'Name: Required',
    ],
    [
      'JSON info (Wati style)',
      json({ result: false, info: 'Contact not found' }),
      'Contact not found',
    ],
    ['JSON detail', json({ detail: 'Too bad' }), 'Too bad'],
    ['JSON title only', json({ title: 'Forbidden' }), 'Forbidden'],
    ['JSON wrapped in data', json({ data: { msg: 'wrapped' } }), 'wrapped'],
    ['JSON top-level string', json('just text'), 'just text'],
    ['JSON without a message key', json({ code: 7 }), '{"code":7}'],
    ['plain text', '  Service down  ', 'Service down'],
    [
      'HTML error page',
      '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>x</h1></body></html>',
      '502 Bad Gateway',
    ],
    [
      'HTML without title uses the heading',
      '<html><body><h1>Access &amp; denied</h1></body></html>',
      'Access & denied',
    ],
    [
      'HTML without title or heading is stripped of tags and scripts',
      '<div><script>var a = 1;</script><p>Plain &lt;failure&gt;</p></div>',
      'Plain <failure>',
    ],
    ['empty body', '', undefined],
    ['whitespace body', ' \n\t ', undefined],
    ['control characters removed', 'Bad\u0000 name\u001b[31m red\u202e', 'Bad name [31m red'],
    ['line breaks collapsed', json({ message: 'line one\r\nline two' }), 'line one line two'],
    ['byte-order mark', `\uFEFF${json({ message: 'bom' })}`, 'bom'],
    ['invalid JSON is read as text', '{"message": "unterminated', '{"message": "unterminated'],
  ];

  it.each(cases)('%s', (_label, body, expected) => {
    expect(extractServerMessage(body)).toBe(expected);
  });

  it('caps a huge message at about 300 characters', () => {
    const message = extractServerMessage(json({ message: 'x'.repeat(10_000) }));
    expect(message?.length).toBeLessThanOrEqual(300);
    expect(message?.endsWith('…')).toBe(true);
  });

  it('reads the beginning of a huge non-JSON body', () => {
    const message = extractServerMessage(`Overloaded ${'y'.repeat(2_000_000)}`);
    expect(message?.startsWith('Overloaded y')).toBe(true);
    expect(message?.length).toBeLessThanOrEqual(300);
  });

  it('stays bounded on deeply nested JSON', () => {
    const depth = 5_000;
    const body = `${'{"wrapper":'.repeat(depth)}{"message":"too deep"}${'}'.repeat(depth)}`;
    const message = extractServerMessage(body);
    expect(message?.startsWith('{"wrapper":')).toBe(true);
    expect(message).not.toContain('too deep');
  });

  it('does not split a surrogate pair when capping', () => {
    const message = extractServerMessage(`${'a'.repeat(298)}😀😀😀`) ?? '';
    const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    expect(message.length).toBeGreaterThan(290);
    expect(loneSurrogate.test(message)).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 10, 1, 12, 0, 0);
  const cases: [string | undefined, number | undefined][] = [
    ['0', 0],
    ['1', 1000],
    [' 120 ', 120_000],
    ['1.5', 1500],
    ['Sun, 01 Nov 2026 12:00:30 GMT', 30_000],
    ['Sun, 01 Nov 2026 11:59:00 GMT', 0],
    ['-5', undefined],
    ['soon', undefined],
    ['12abc', undefined],
    ['', undefined],
    [undefined, undefined],
  ];

  it.each(cases)('%j → %j', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
