// GitLab Code Quality reports, checked against the documented shape (docs.gitlab.com, "Code
// Quality report format") written down here as a JSON Schema, and run through the real CLI.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/core/model.js';
import { renderCodeQuality } from '../../src/render/gitlab.js';
import { withTempDir } from '../definitions/helpers.js';
import { REPO_ROOT } from '../init/support.js';
import { EMPTY_STATE } from '../../bench/lib/workspace.mjs';

const CODE_QUALITY_REPORT = {
  type: 'array',
  items: {
    type: 'object',
    required: ['description', 'check_name', 'fingerprint', 'severity', 'location'],
    properties: {
      description: { type: 'string', minLength: 1 },
      check_name: { type: 'string', minLength: 1 },
      fingerprint: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      severity: { enum: ['info', 'minor', 'major', 'critical', 'blocker'] },
      location: {
        type: 'object',
        required: ['path', 'lines'],
        properties: {
          path: { type: 'string', minLength: 1, not: { pattern: '^/' } },
          lines: {
            type: 'object',
            required: ['begin'],
            properties: { begin: { type: 'integer', minimum: 1 } },
          },
        },
      },
    },
  },
};
const validateReport = new Ajv2020({ allErrors: true }).compile(CODE_QUALITY_REPORT);

interface Issue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: string;
  location: { path: string; lines: { begin: number } };
}

const parse = (text: string) => JSON.parse(text) as Issue[];

const unknownKey = (line: number): Diagnostic => ({
  severity: 'error',
  code: 'unknown-key',
  message: 'Unknown key "refreshtype".',
  file: 'segments/vip.yaml',
  line,
  column: 1,
  segment: 'VIP',
  hint: 'Did you mean `refreshType`?',
});

describe('renderCodeQuality', () => {
  it('writes the documented fields, errors as major and warnings as minor', () => {
    const report = parse(
      renderCodeQuality(
        [
          unknownKey(4),
          { severity: 'warning', code: 'quota-exceeded', message: 'Near the limit.' },
        ],
        'segsync.config.yaml',
      ),
    );
    expect(validateReport(report), JSON.stringify(validateReport.errors)).toBe(true);
    expect(report[0]).toMatchObject({
      description: 'Unknown key "refreshtype". Did you mean `refreshType`?',
      check_name: 'segsync/unknown-key',
      severity: 'major',
      location: { path: 'segments/vip.yaml', lines: { begin: 4 } },
    });
    // No file of its own: placed on the fallback path, line 1.
    expect(report[1]).toMatchObject({
      severity: 'minor',
      location: { path: 'segsync.config.yaml', lines: { begin: 1 } },
    });
  });

  it('keeps a fingerprint when the problem moves to another line, and separates problems', () => {
    const [before] = parse(renderCodeQuality([unknownKey(4)], 'x'));
    const [after] = parse(renderCodeQuality([unknownKey(9)], 'x'));
    expect(after!.fingerprint).toBe(before!.fingerprint);
    const other = parse(
      renderCodeQuality([{ ...unknownKey(4), file: 'segments/other.yaml' }], 'x'),
    )[0]!;
    expect(other.fingerprint).not.toBe(before!.fingerprint);
    const twice = parse(renderCodeQuality([unknownKey(4), unknownKey(5)], 'x'));
    expect(new Set(twice.map((issue) => issue.fingerprint)).size).toBe(2);
  });

  it('an empty report is an empty array (GitLab shows "no problems")', () => {
    expect(parse(renderCodeQuality([], 'x'))).toEqual([]);
  });
});

describe('validate and plan --format gitlab', () => {
  const run = promisify(execFile);
  const segsync = async (cwd: string, args: string[]) => {
    try {
      return {
        code: 0,
        ...(await run(process.execPath, [path.join(REPO_ROOT, 'dist/cli.js'), ...args], { cwd })),
      };
    } catch (error) {
      return error as { code: number; stdout: string; stderr: string };
    }
  };

  it('print a valid report locating each problem in its file', async () => {
    await withTempDir(async (dir) => {
      await mkdir(path.join(dir, 'segments'));
      await writeFile(
        path.join(dir, 'segments/a.yaml'),
        'name: A\nrefreshType: static\ncontactIds: ["1"]\n---\nname: B\nrefreshtype: static\n',
      );
      await writeFile(path.join(dir, 'segsync.state.json'), EMPTY_STATE);
      for (const command of ['validate', 'plan']) {
        const result = await segsync(dir, [command, '--format', 'gitlab']);
        expect(result.code).toBe(1);
        const report = parse(result.stdout);
        expect(validateReport(report), JSON.stringify(validateReport.errors)).toBe(true);
        expect(report.length).toBeGreaterThan(0);
        for (const issue of report) expect(issue.location.path).toBe('segments/a.yaml');
        expect(report.some((issue) => issue.location.lines.begin === 6)).toBe(true);
      }
    });
  });
});
