// The apply report: the text a person reads after apply, and the job summary in CI.
import { describe, expect, it } from 'vitest';
import type { ApplyResult } from '../../src/apply/result.js';
import { buildApplyResult } from '../../src/apply/result.js';
import { renderApplyMarkdown, renderApplyText } from '../../src/render/apply-report.js';

function partialResult(): ApplyResult {
  return buildApplyResult({
    report: {
      results: [
        { name: 'Plain', result: 'created', id: '64a1', attempts: 1 },
        {
          name: '*Launch* | <img src=x onerror=alert(1)> _promo_',
          result: 'failed',
          attempts: 1,
          message: 'Invalid attribute `plan`\nsee <docs>',
        },
        { name: 'Later', result: 'not-attempted', message: "Not attempted: the account's limit." },
      ],
      stop: { reason: 'limit-reached', message: 'Active segment limit reached (50) <b>now</b>' },
    },
    endpoint: 'https://live-mt-server.wati.io/123456',
    planChecksum: 'sha256:abc',
    stateFile: 'segsync.state.json',
    startedAt: new Date('2026-11-26T10:00:00.000Z'),
    finishedAt: new Date('2026-11-26T10:00:02.500Z'),
  });
}

describe('apply job summary (markdown)', () => {
  it('renders names and server messages literally: no emphasis, HTML or broken table', () => {
    const markdown = renderApplyMarkdown(partialResult());
    const row = markdown.split('\n').find((line) => line.includes('Launch'));
    expect(row).toBe(
      '| \\*Launch\\* \\| &lt;img src=x onerror=alert(1)&gt; \\_promo\\_ | failed | Invalid attribute `plan` see &lt;docs&gt; |',
    );
    expect(markdown).toContain('Stopped: Active segment limit reached (50) &lt;b&gt;now&lt;/b&gt;');
    expect(markdown).not.toMatch(/<(img|b|docs)\b/);
    // Created segments are counted, not listed; their ids stay in the state file.
    expect(markdown).not.toContain('| Plain |');
    expect(markdown).toContain('1 segment created');
    expect(markdown).toContain('sha256:abc');
  });

  it('says everything was created when it was', () => {
    const markdown = renderApplyMarkdown(
      buildApplyResult({
        report: { results: [{ name: 'Only', result: 'created', id: '1', attempts: 1 }] },
        endpoint: 'https://example.test/1',
        planChecksum: 'sha256:def',
        stateFile: 'segsync.state.json',
        startedAt: new Date(0),
        finishedAt: new Date(10),
      }),
    );
    expect(markdown.split('\n')[0]).toBe('### ✅ segsync apply');
    expect(markdown).not.toContain('| Segment |');
  });
});

describe('apply report (text)', () => {
  it('names every segment that was not created, with the reason', () => {
    const text = renderApplyText(partialResult());
    expect(text).toContain('Later');
    expect(text).toContain("Not attempted: the account's limit.");
    expect(text).toContain('Active segment limit reached (50)');
  });
});
