// `npm run bench -- state`: peak RSS of `segsync plan` over N definition files (default 50,000)
// with a state that records all of them as created (as after applying them), against the same
// plan with an empty state. Two interleaved rounds; the medians are judged.

import path from 'node:path';
import { formatMb, median, runProbed, spread, verdict, formatMs } from './measure.mjs';
import { writeStateRecordingAll } from './large-state.mjs';
import { CLI, createWorkspace } from './workspace.mjs';
import { stat } from 'node:fs/promises';

const ROUNDS = 2;

/** Runs the large-state benchmark; returns { verdicts }. */
export async function runStateBench({ size = 50000 } = {}) {
  const workspace = await createWorkspace(size, { prefix: 'segsync-bench-state-' });
  const fullState = path.join(workspace.root, 'full-state.json');
  const runs = { empty: [], full: [] };
  let entries;
  try {
    entries = await writeStateRecordingAll(workspace, fullState);
    const states = { empty: workspace.state, full: fullState };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, state] of Object.entries(states)) {
        runs[name].push(
          await runProbed([CLI, 'plan', workspace.defs, '--state', state], { cwd: workspace.root }),
        );
      }
    }
    const bytes = (await stat(fullState)).size;
    console.log(
      `\nplan over ${size.toLocaleString('en')} files with a ${entries.toLocaleString('en')}-entry state (${formatMb(bytes / 1024)}) vs an empty state (${ROUNDS} rounds, interleaved)`,
    );
  } finally {
    await workspace.remove();
  }
  for (const [name, samples] of Object.entries(runs)) {
    console.log(
      `  ${`${name} state`.padEnd(12)} peak RSS ${spread(
        samples.map((r) => r.peakRssKb),
        formatMb,
      )}; wall ${spread(
        samples.map((r) => r.wallMs),
        formatMs,
      )}; CPU ${spread(
        samples.map((r) => r.cpuMs),
        formatMs,
      )}`,
    );
  }
  const ratio =
    median(runs.full.map((r) => r.peakRssKb)) / median(runs.empty.map((r) => r.peakRssKb));
  const verdicts = [verdict(`plan, ${entries}-entry state: peak RSS vs empty state`, ratio, 1.5)];
  console.log('\nTargets');
  for (const { line } of verdicts) console.log(`  ${line}`);
  return { verdicts };
}
