// node bench/compare.mjs [--runs=N] [--cwd=DIR] 'NAME=COMMAND ARGS…' 'NAME=COMMAND ARGS…' …
// A/B timing of whole commands: one untimed warm-up each, then N rounds that run every command
// once in turn (interleaved, so drift on a busy machine hits all alike), wall time from spawn to
// exit, output discarded. Prints the median and min–max of each, and its ratio to the first.
// Commands are split on spaces (no shell, no quoting). Example, two builds of one commit pair:
//   git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci && npm run build)
//   node bench/compare.mjs --runs=21 'before=node /tmp/before/dist/cli.js validate segments/' \
//     'after=node dist/cli.js validate segments/'

import { spawnSync } from 'node:child_process';
import { formatMs, median } from './lib/measure.mjs';

let runs = 15;
let cwd = process.cwd();
const commands = [];
for (const arg of process.argv.slice(2)) {
  if (arg.startsWith('--runs=')) runs = Number(arg.slice('--runs='.length));
  else if (arg.startsWith('--cwd=')) cwd = arg.slice('--cwd='.length);
  else {
    const split = arg.indexOf('=');
    if (split < 1) throw new Error(`Expected NAME=COMMAND, got ${JSON.stringify(arg)}`);
    const [program, ...args] = arg
      .slice(split + 1)
      .trim()
      .split(/\s+/);
    commands.push({ name: arg.slice(0, split), program, args, samples: [] });
  }
}
if (commands.length === 0 || !Number.isInteger(runs) || runs < 1) {
  process.stderr.write(
    "usage: node bench/compare.mjs [--runs=N] [--cwd=DIR] 'NAME=COMMAND ARGS' …\n",
  );
  process.exit(2);
}

function runOnce({ program, args }) {
  const started = performance.now();
  const run = spawnSync(program, args, { cwd, stdio: 'ignore' });
  return { ms: performance.now() - started, status: run.status };
}

for (const command of commands) runOnce(command);
for (let round = 0; round < runs; round++) {
  for (const command of commands) {
    const { ms, status } = runOnce(command);
    command.samples.push(ms);
    command.status = status;
  }
}
const first = median(commands[0].samples);
for (const { name, samples, status } of commands) {
  const value = median(samples);
  console.log(
    `${name.padEnd(24)} ${formatMs(value).padStart(9)} (${formatMs(Math.min(...samples))}–${formatMs(Math.max(...samples))})  ${(value / first).toFixed(2)}×  exit ${status}`,
  );
}
