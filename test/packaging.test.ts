// What users' editors and package managers see of segsync: schema hover text, packed files, and
// the licences of what the bundle includes.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTimePackageLoads } from '../scripts/run-time-loads.mjs';
import { packageNotice } from '../scripts/third-party-notices.mjs';

const root = path.resolve(import.meta.dirname, '..');

function nodesWithDescription(node: unknown, found: Record<string, unknown>[] = []) {
  if (Array.isArray(node)) for (const item of node) nodesWithDescription(item, found);
  else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (typeof record.description === 'string') found.push(record);
    for (const value of Object.values(record)) nodesWithDescription(value, found);
  }
  return found;
}

describe('editor schemas', () => {
  it.each(['segment', 'config'])(
    '%s: every description has a markdownDescription (editors render it, backticks and all)',
    (name) => {
      const schema: unknown = JSON.parse(
        readFileSync(path.join(root, 'schemas', `${name}.schema.json`), 'utf8'),
      );
      const described = nodesWithDescription(schema);
      expect(described.length).toBeGreaterThan(10);
      for (const node of described) expect(node.markdownDescription).toBe(node.description);
    },
  );
});

describe('package.json', () => {
  it('publishes the licence it names and the GitLab example the README links', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      license: string;
      files: string[];
    };
    expect(manifest.license).toBe('MIT');
    expect(readFileSync(path.join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    expect(manifest.files).toEqual(expect.arrayContaining(['LICENSE', 'examples']));
  });

  it('has no run-time dependencies and publishes dist/ as the bundle, its entry and notices', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      files: string[];
      bin: Record<string, string>;
      dependencies?: object;
      optionalDependencies?: object;
      peerDependencies?: object;
    };
    // Everything it runs is bundled at build time (devDependencies): one package to install.
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.optionalDependencies).toBeUndefined();
    expect(manifest.peerDependencies).toBeUndefined();
    expect(manifest.bin).toEqual({ segsync: 'dist/cli.js' });
    expect(manifest.files.filter((entry) => entry.startsWith('dist')).sort()).toEqual([
      'dist/THIRD_PARTY_NOTICES.md',
      'dist/bundle',
      'dist/cli.js',
    ]);
  });
});

describe('the bundle and its third-party notices (dist/, from npm run build)', () => {
  interface Metafile {
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
  }
  const metafile = JSON.parse(
    readFileSync(path.join(root, 'dist', 'bundle-metafile.json'), 'utf8'),
  ) as Metafile;
  const notices = readFileSync(path.join(root, 'dist', 'THIRD_PARTY_NOTICES.md'), 'utf8');

  /** Every installed package a bundled file came from, read from its own package.json. */
  function bundledPackages(): { name: string; version: string; license: string; dir: string }[] {
    const dirs = new Set<string>();
    for (const input of Object.keys(metafile.inputs)) {
      const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/@][^/]*)\//.exec(input);
      if (match?.[1] !== undefined) dirs.add(path.join(root, match[1]));
    }
    return [...dirs].map((dir) => ({
      ...(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
        license: string;
      }),
      dir,
    }));
  }

  it('describes the bundle as it is: one metafile output per file in dist/bundle/', () => {
    const outputs = Object.keys(metafile.outputs).sort();
    const files = readdirSync(path.join(root, 'dist', 'bundle'))
      .map((file) => `dist/bundle/${file}`)
      .sort();
    expect(outputs).toEqual(files);
  });

  it('names every bundled package with its version and licence, and no other', () => {
    const packages = bundledPackages();
    // What segsync imports at run time must all be in it (their own dependencies follow).
    const names = packages.map((found) => found.name);
    for (const direct of ['yaml', 'ajv', 'got', 'p-limit', 'diff', 'commander', 'picomatch']) {
      expect(names).toContain(direct);
    }
    for (const { name, version, license } of packages) {
      expect(notices).toContain(`\n## ${name} ${version}\n\nLicence: ${license}\n`);
      expect(notices).toContain(`\n- ${name} ${version} (${license})\n`);
    }
    const headings = notices.match(/^## .+$/gm) ?? [];
    expect(headings).toHaveLength(packages.length);
  });

  it("carries each package's licence text", () => {
    for (const { dir, name } of bundledPackages()) {
      const licenceFile = readdirSync(dir).find((file) => /^licen[cs]e/i.test(file));
      expect(licenceFile, name).toBeDefined();
      const text = readFileSync(path.join(dir, licenceFile ?? ''), 'utf8');
      // The copyright line(s) and the terms, as the package ships them (indented in Markdown).
      for (const line of text.split(/\r?\n/).filter((line) => line.trim() !== '')) {
        expect(notices).toContain(`    ${line.trimEnd()}`);
      }
    }
  });
});

describe('the build refuses', () => {
  it('a bundle that would load a package at run time, but not one loading Node modules', () => {
    const texts: Record<string, string> = {
      'dist/bundle/a.js': 'createRequire(import.meta.url)("node:crypto");require("http")',
      'dist/bundle/b.js': 'function f(){return createRequire(import.meta.url)("picomatch")}',
    };
    const loads = runTimePackageLoads(
      {
        outputs: {
          'dist/bundle/a.js': {
            imports: [
              { path: 'node:fs', external: true },
              { path: 'http', external: true },
              { path: 'fs/promises', external: true },
              { path: 'dist/bundle/b.js' },
            ],
          },
          'dist/bundle/b.js': { imports: [{ path: 'got', external: true }] },
        },
      },
      (output) => texts[output] ?? '',
    );
    expect(loads).toEqual([
      'dist/bundle/b.js imports "got"',
      'dist/bundle/b.js requires "picomatch" at run time',
    ]);
  });

  it('to bundle a package without a licence file (it would ship unattributed)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'segsync-notice-'));
    try {
      writeFileSync(
        path.join(dir, 'package.json'),
        '{ "name": "unlicensed", "version": "1.0.0", "license": "MIT" }',
      );
      expect(() => packageNotice(dir)).toThrow(/no licence file/);
      writeFileSync(path.join(dir, 'LICENSE.md'), 'MIT License\r\n\r\nCopyright (c) someone\r\n');
      expect(packageNotice(dir)).toEqual({
        name: 'unlicensed',
        version: '1.0.0',
        licence: 'MIT',
        text: 'MIT License\n\nCopyright (c) someone',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
