// What users' editors and package managers see of segsync: schema hover text and packed files.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

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
});
