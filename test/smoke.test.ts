// The built binary, run as a user runs it: the one test of dist/cli.js end to end.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'dist', 'cli.js');
const run = promisify(execFile);

async function segsync(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('dist/cli.js', () => {
  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect((await segsync('--version')).stdout.trim()).toBe(version);
  });

  it('validates and plans the example segments', async () => {
    const validated = await segsync('validate');
    expect(validated.code).toBe(0);
    expect(validated.stdout).toMatch(/^✔ \d+ segments in \d+ files: valid/);
    const planned = await segsync('plan', '--state', path.join(root, 'does-not-exist.state.json'));
    expect(planned.code).toBe(0);
    expect(planned.stdout).toMatch(/^Plan: \d+ to create, 0 unchanged/);
  });

  it('selects definitions with a glob pattern (picomatch, loaded on first use by the bundle)', async () => {
    const globbed = await segsync('validate', 'segments/*.yaml');
    expect(globbed.code).toBe(0);
    expect(globbed.stdout).toMatch(/^✔ \d+ segments in \d+ files: valid/);
  });

  it('prints the segment schema', async () => {
    const schema = JSON.parse((await segsync('schema')).stdout) as { $id: string };
    expect(schema.$id).toContain('segment.schema.json');
  });

  it('fails with one readable line and no stack trace', async () => {
    const missing = await segsync('validate', 'no-such-dir');
    expect(missing.code).toBe(1);
    expect(missing.stdout + missing.stderr).toContain('no-such-dir');
    expect(missing.stdout + missing.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    const apply = await segsync('apply', '--yes');
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain('WATI_API_ENDPOINT is not set');
    expect(apply.stderr).not.toMatch(/\n\s+at /);
  });
});
