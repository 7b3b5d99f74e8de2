// The folder table of docs/architecture.md is the layer rules `npm run lint` enforces: each row's
// "may import", "import type only" and "import() only" columns equal that row of TABLE in
// .dependency-cruiser.mjs, and the two name the same rows.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Row {
  may: string[];
  type?: string[];
  lazy?: string[];
}

const { TABLE } = (await import(
  new URL('../../.dependency-cruiser.mjs', import.meta.url).href
)) as {
  TABLE: Record<string, Row>;
};

function documentedRows(): Map<string, { may: string[]; type: string[]; lazy: string[] }> {
  const doc = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Folders'), doc.indexOf('## Where to add'));
  const rows = new Map<string, { may: string[]; type: string[]; lazy: string[] }>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    // | `folder` | what | may | type | lazy |
    if (cells.length !== 7 || !cells[1]!.startsWith('`')) continue;
    const list = (cell: string) =>
      cell === '—' ? [] : cell.split(',').map((entry) => entry.trim().replaceAll('`', ''));
    rows.set(cells[1]!.replaceAll('`', ''), {
      may: list(cells[3]!),
      type: list(cells[4]!),
      lazy: list(cells[5]!),
    });
  }
  return rows;
}

describe('docs/architecture.md', () => {
  const documented = documentedRows();

  it('names exactly the rows the lint rules have', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(TABLE).sort());
  });

  it.each(Object.keys(TABLE))('%s: the table says what the rule enforces', (row) => {
    const rule = TABLE[row]!;
    const sorted = (entries: string[] | undefined) => [...(entries ?? [])].sort();
    const doc = documented.get(row);
    expect(doc, row).toBeDefined();
    expect(sorted(doc!.may)).toEqual(sorted(rule.may));
    expect(sorted(doc!.type)).toEqual(sorted(rule.type));
    expect(sorted(doc!.lazy)).toEqual(sorted(rule.lazy));
  });
});
