// Each format's renderer is imported only when that format is chosen (src/render/formats.ts), so a
// command starts without the code of the formats it does not print: `validate` loads no plan and
// no pull-request comment, the text plan no Markdown, the annotations no payload diff. Checked on
// the built CLI as a user runs it: a module hook records every bundle chunk node loads, and the
// build's metafile says which source modules each chunk holds.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
const run = promisify(execFile);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segsync-lazy-'));
  // The hook runs off the main thread: it appends each URL it loads to a file.
  await writeFile(
    path.join(dir, 'hooks.mjs'),
    "import { appendFileSync } from 'node:fs';\n" +
      'export async function load(url, context, next) {\n' +
      '  appendFileSync(process.env.SEGSYNC_LOADS_FILE, `${url}\\n`);\n' +
      '  return next(url, context);\n' +
      '}\n',
  );
  await writeFile(
    path.join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Metafile {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}

/** The source modules (as `render/text.js`) in the chunks the built CLI loads for `args`. */
async function modulesLoaded(args: string[]): Promise<Set<string>> {
  const loadsFile = path.join(dir, `loads-${args.join('-')}.txt`);
  await run(
    process.execPath,
    ['--import', pathToFileURL(path.join(dir, 'register.mjs')).href, 'dist/cli.js', ...args],
    { cwd: root, env: { ...process.env, NO_COLOR: '1', SEGSYNC_LOADS_FILE: loadsFile } },
  );
  const metafile = JSON.parse(
    await readFile(path.join(root, 'dist/bundle-metafile.json'), 'utf8'),
  ) as Metafile;
  const modules = new Set<string>();
  for (const url of (await readFile(loadsFile, 'utf8')).trim().split('\n')) {
    if (!url.startsWith('file:')) continue;
    const chunk = path.relative(root, fileURLToPath(url)).split(path.sep).join('/');
    for (const input of Object.keys(metafile.outputs[chunk]?.inputs ?? {})) {
      modules.add(
        input.replace(/^dist\//, '').replace(/^node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*/, '$1'),
      );
    }
  }
  return modules;
}

describe('the built CLI loads only the renderer of the chosen format', () => {
  it('validate (text): the validation text, nothing of the plan', async () => {
    const loaded = await modulesLoaded(['validate', 'segments']);
    expect(loaded).toContain('render/validation-text.js');
    for (const absent of [
      'plan/compute.js',
      'render/text.js',
      'render/markdown.js',
      'render/payload-diff.js',
      'render/json.js',
      'render/github.js',
      'render/gitlab.js',
      'diff',
    ]) {
      expect(loaded).not.toContain(absent);
    }
  });

  it('plan (text): the text plan, no Markdown, annotations or Code Quality', async () => {
    const loaded = await modulesLoaded(['plan', 'segments']);
    expect(loaded).toContain('render/text.js');
    // The payload diff's package, named as the other cases look for it.
    expect(loaded).toContain('diff');
    for (const absent of ['render/markdown.js', 'render/github.js', 'render/gitlab.js']) {
      expect(loaded).not.toContain(absent);
    }
  });

  it('plan --format github: the annotations, not the text plan or its payload diff', async () => {
    const loaded = await modulesLoaded(['plan', 'segments', '--format', 'github']);
    expect(loaded).toContain('render/github.js');
    for (const absent of ['render/text.js', 'render/payload-diff.js', 'diff']) {
      expect(loaded).not.toContain(absent);
    }
  });
});
