import { describe, expect, it } from 'vitest';
import { redactSecret } from '../../src/wati/redact.js';

const SECRET = 'tok/CANARY+123=';

describe('redactSecret', () => {
  const cases: [string, string][] = [
    ['plain', `token ${SECRET} rejected`],
    ['JSON-escaped slash', `{"auth":"tok\\/CANARY+123="}`],
    ['URL-encoded', `auth=${encodeURIComponent(SECRET)}`],
    ['several times', `${SECRET}${SECRET} and ${SECRET}`],
    ['.NET JSON escapes', 'tok\\u002FCANARY\\u002b123\\u003D'],
    ['lower-case URL encoding', 'tok%2fCANARY%2b123%3d'],
    ['HTML character references', 'tok&#47;CANARY&#x2B;123&#61;'],
    ['base64', Buffer.from(SECRET).toString('base64')],
    ['base64url inside a longer blob', Buffer.from(`Bearer ${SECRET}!`).toString('base64url')],
    ['a run of 8 characters left by a cut elsewhere', 'token was tok/CANAR…'],
  ];

  it.each(cases)('removes the secret: %s', (_label, text) => {
    const redacted = redactSecret(text, SECRET);
    expect(redacted).not.toContain('CANAR');
    for (const encoded of [Buffer.from(SECRET).toString('base64').slice(2, 12)]) {
      expect(redacted).not.toContain(encoded);
    }
    expect(redacted).toContain('[redacted]');
  });

  it('hides whatever follows Bearer, even a cut-off or foreign credential', () => {
    expect(redactSecret('Authorization: Bearer tok/CAN', SECRET)).toBe(
      'Authorization: Bearer [redacted]',
    );
    expect(redactSecret('bearer%20other-token here', SECRET)).toBe('bearer [redacted] here');
  });

  it('leaves text without secrets alone', () => {
    expect(redactSecret('Active segment limit reached', SECRET)).toBe(
      'Active segment limit reached',
    );
  });
});
