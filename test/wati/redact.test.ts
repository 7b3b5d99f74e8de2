import { describe, expect, it } from 'vitest';
import { redactSecret } from '../../src/wati/redact.js';

const SECRET = 'tok/CANARY+123=';

describe('redactSecret', () => {
  const cases: [string, string][] = [
    ['plain', `token ${SECRET} rejected`],
    ['JSON-escaped slash', `{"auth":"tok\\/CANARY+123="}`],
    ['URL-encoded', `auth=${encodeURIComponent(SECRET)}`],
    ['several times', `${SECRET}${SECRET} and ${SECRET}`],
  ];

  it.each(cases)('removes the secret: %s', (_label, text) => {
    const redacted = redactSecret(text, SECRET);
    expect(redacted).not.toContain('CANARY');
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
