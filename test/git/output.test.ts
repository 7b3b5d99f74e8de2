// git's output shown to people: credentials in remote URLs never, escape sequences never, and no
// line a CI log would take for a workflow command.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gitOutputLines, redactUrlCredentials } from '../../src/git/output.js';

describe('git output', () => {
  it('redacts the credentials of CI remote URLs', () => {
    expect(
      redactUrlCredentials(
        "fatal: unable to access 'https://x-access-token:ghs_abc123@github.com/o/r.git/': 403",
      ),
    ).toBe("fatal: unable to access 'https://***@github.com/o/r.git/': 403");
    expect(redactUrlCredentials('https://gitlab-ci-token:glcbt-xyz@gitlab.com/g/p.git')).toBe(
      'https://***@gitlab.com/g/p.git',
    );
  });

  it('never shows a URL password, whatever it holds', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9_.~%!$&'()*+,;=:-]{8,40}$/);
    fc.assert(
      fc.property(
        fc.constantFrom('https', 'http', 'ssh', 'git+ssh'),
        fc.string(),
        secret,
        fc.string(),
        (scheme, before, password, after) => {
          const text = `${before} ${scheme}://user:${password}@host.example/repo.git ${after}`;
          const shown = gitOutputLines(text, 1000).join('\n');
          if (!before.includes(password) && !after.includes(password))
            expect(shown).not.toContain(password);
        },
      ),
    );
  });

  it('shows control characters as ? and indents every line', () => {
    const lines = gitOutputLines('remote: \u001b[31mred\u001b[0m\n::error::forged\n\u009b2J');
    expect(lines).toEqual([
      '    git: remote: ?[31mred?[0m',
      '    git: ::error::forged',
      '    git: ?2J',
    ]);
    fc.assert(
      fc.property(fc.string(), (text) => {
        for (const line of gitOutputLines(text, 1000)) {
          expect(line.startsWith('    git: ')).toBe(true);
          // eslint-disable-next-line no-control-regex
          expect(line).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
        }
      }),
    );
  });
});
