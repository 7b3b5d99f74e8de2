// Writes N generated segment definitions, one small realistic segment per file, the way a team's
// repository looks: mostly dynamic segments with one to three filter groups, static segments with
// a handful of contact ids or a filter, a comment line for the editor's schema, a description.
// Deterministic: the same count and seed give byte-identical files.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRandom, pick, randomInt } from './random.mjs';

const COUNTRIES = ['India', 'Germany', 'Brazil', 'Kenya', 'Indonesia', 'Mexico', 'Spain', 'Egypt'];
const PLANS = ['free', 'starter', 'pro', 'enterprise'];
const TOPICS = ['Newsletter', 'Webinar', 'Launch', 'Renewal', 'Onboarding', 'Win-back', 'Survey'];
const ATTRIBUTES = [
  { attribute: 'country', values: () => COUNTRIES },
  { attribute: 'plan', values: () => PLANS },
  { attribute: 'newsletter_opt_in', values: () => [true, false] },
  { attribute: 'orders_last_90_days', values: () => [0, 1, 3, 10] },
  { attribute: 'language', values: () => ['en', 'de', 'pt', 'es', 'hi'] },
];

/**
 * Writes `count` files named seg-00001.yaml … into `dir` (created if needed) and returns the
 * segment names in file order.
 */
export async function generateDefinitions(dir, count, seed = 1) {
  const random = createRandom(seed);
  await mkdir(dir, { recursive: true });
  const names = [];
  const width = Math.max(5, String(count).length);
  for (let index = 1; index <= count; index++) {
    const number = String(index).padStart(width, '0');
    const name = `${pick(random, TOPICS)} ${pick(random, COUNTRIES)} #${number}`;
    names.push(name);
    await writeFile(path.join(dir, `seg-${number}.yaml`), segmentYaml(random, name));
  }
  return names;
}

function segmentYaml(random, name) {
  const lines = [
    '# yaml-language-server: $schema=../schemas/segment.schema.json',
    `name: ${JSON.stringify(name)}`,
  ];
  const kind = random();
  if (kind < 0.6) {
    lines.push(
      'refreshType: dynamic',
      `description: ${JSON.stringify(`Generated dynamic segment ${name}.`)}`,
    );
    lines.push(...groupsYaml(random));
  } else if (kind < 0.85) {
    lines.push(
      'refreshType: static',
      `description: ${JSON.stringify(`Hand-picked contacts for ${name}.`)}`,
    );
    if (random() < 0.2) lines.push('useUploadedContact: true');
    lines.push('contactIds:');
    const ids = randomInt(random, 2, 6);
    for (let i = 0; i < ids; i++) lines.push(`  - "${randomInt(random, 10_000_000, 99_999_999)}"`);
  } else {
    lines.push(
      'refreshType: static',
      `description: ${JSON.stringify(`Snapshot of ${name} at creation.`)}`,
    );
    lines.push(...groupsYaml(random));
  }
  return `${lines.join('\n')}\n`;
}

function groupsYaml(random) {
  const lines = ['groups:'];
  const groups = randomInt(random, 1, 3);
  for (let g = 0; g < groups; g++) {
    lines.push('  - conditions:');
    const conditions = randomInt(random, 1, 2);
    for (let c = 0; c < conditions; c++) {
      const { attribute, values } = pick(random, ATTRIBUTES);
      const value = pick(random, values());
      lines.push(
        `      - attribute: ${attribute}`,
        '        operator: "=="',
        `        value: ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
      );
    }
  }
  return lines;
}
