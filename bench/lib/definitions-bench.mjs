// `npm run bench -- definitions`: wall time and peak RSS of validate and plan on generated
// definitions, against the floor (read + yaml.parse + compiled schema), ajv-cli, and Node's own
// start-up, then the PASS/FAIL targets.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  assertSucceeded,
  formatMb,
  formatMs,
  measurePeakRssKb,
  median,
  runNode,
  verdict,
} from './measure.mjs';
import { CLI, REPO_ROOT, createWorkspace } from './workspace.mjs';

const FLOOR = fileURLToPath(new URL('floor.mjs', import.meta.url));
const SCHEMA = fileURLToPath(new URL('schemas/segment.schema.json', REPO_ROOT));
const AJV_CLI = path.join(
  path.dirname(createRequire(import.meta.url).resolve('ajv-cli/package.json')),
  'dist/index.js',
);

/** Timed runs (median reported) and RSS runs per size; 10k runs take seconds each. */
const TIMED_RUNS = { 100: 7, 1000: 5, 10000: 3 };
const RSS_RUNS = { 100: 3, 1000: 3, 10000: 1 };
const START_UP_RUNS = 11;

function commandsFor(workspace) {
  const { defs, state } = workspace;
  return {
    validate: [CLI, 'validate', defs],
    plan: [CLI, 'plan', defs, '--state', state],
    floor: [FLOOR, defs],
    // The schema's `$anchor` and `patternErrorMessage` stop ajv-cli in strict mode: --strict=false.
    'ajv-cli': [
      AJV_CLI,
      'validate',
      '--spec=draft2020',
      '--strict=false',
      '-s',
      SCHEMA,
      '-d',
      `${defs}/*.yaml`,
    ],
  };
}

const START_UP_COMMANDS = {
  'node -e 0': ['-e', '0'],
  'segsync --version': [CLI, '--version'],
};

/**
 * Measures every command in `commands`: one warm-up run each (page cache), then `runs` rounds
 * that run each command once in turn, so drift on a busy machine hits all commands alike.
 */
async function measureCommands(commands, { runs, rssRuns, cwd }) {
  const names = Object.keys(commands);
  const times = Object.fromEntries(names.map((name) => [name, []]));
  const rss = Object.fromEntries(names.map((name) => [name, []]));
  for (const name of names) assertSucceeded(await runNode(commands[name], { cwd }), commands[name]);
  for (let round = 0; round < runs; round++) {
    for (const name of names) {
      const run = await runNode(commands[name], { cwd });
      assertSucceeded(run, commands[name]);
      times[name].push(run.wallMs);
    }
  }
  for (let round = 0; round < rssRuns; round++) {
    for (const name of names) rss[name].push(await measurePeakRssKb(commands[name], { cwd }));
  }
  return Object.fromEntries(
    names.map((name) => [
      name,
      {
        medianMs: median(times[name]),
        minMs: Math.min(...times[name]),
        runs,
        peakRssKb: median(rss[name]),
        rssRuns,
      },
    ]),
  );
}

function printTable(title, results) {
  console.log(`\n${title}`);
  console.log(
    `  ${'command'.padEnd(20)} ${'median'.padStart(9)} ${'min'.padStart(9)}  ${'peak RSS'.padStart(8)}  runs`,
  );
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `  ${name.padEnd(20)} ${formatMs(r.medianMs).padStart(9)} ${formatMs(r.minMs).padStart(9)}  ${formatMb(r.peakRssKb).padStart(8)}  ${r.runs} timed, ${r.rssRuns} RSS`,
    );
  }
}

/** Runs the definitions benchmark for `sizes`; returns { results, verdicts }. */
export async function runDefinitionsBench({ sizes = [100, 1000, 10000] } = {}) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first.`);
  const bySize = {};
  const startUp = await measureCommands(START_UP_COMMANDS, {
    runs: START_UP_RUNS,
    rssRuns: 3,
    cwd: process.cwd(),
  });
  printTable('Start-up (no definitions)', startUp);

  for (const size of sizes) {
    const workspace = await createWorkspace(size);
    try {
      bySize[size] = await measureCommands(commandsFor(workspace), {
        runs: TIMED_RUNS[size] ?? 3,
        rssRuns: RSS_RUNS[size] ?? 1,
        cwd: workspace.root,
      });
    } finally {
      await workspace.remove();
    }
    printTable(`${size.toLocaleString('en')} definition files`, bySize[size]);
  }

  const verdicts = [];
  verdicts.push(
    verdict(
      'segsync --version vs node -e 0',
      startUp['segsync --version'].medianMs / startUp['node -e 0'].medianMs,
      2.5,
    ),
  );
  if (bySize[100]) {
    const r = bySize[100];
    verdicts.push(
      verdict('100 files: validate vs ajv-cli', r.validate.medianMs / r['ajv-cli'].medianMs, 1),
    );
  }
  if (bySize[10000]) {
    const r = bySize[10000];
    verdicts.push(verdict('10k files: plan vs floor', r.plan.medianMs / r.floor.medianMs, 1.3));
    for (const name of ['validate', 'plan']) {
      verdicts.push(
        verdict(`10k files: ${name} peak RSS`, r[name].peakRssKb / 1024, 300, {
          unit: 'MB',
          strict: true,
        }),
      );
    }
    if (bySize[1000]) {
      verdicts.push(
        verdict('plan 10k vs plan 1k', r.plan.medianMs / bySize[1000].plan.medianMs, 11),
      );
    }
  }
  console.log('\nTargets');
  for (const { line } of verdicts) console.log(`  ${line}`);
  return { startUp, bySize, verdicts };
}
