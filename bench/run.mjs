// npm run bench [-- definitions|apply|state|all] [--sizes=100,1000,10000] [--state-size=50000]
// Prints measurements and PASS/FAIL lines for segsync's performance targets. Runs against dist/
// (build first). Exit code 1 when a target fails, so CI can notice — but it is never a test —
// and 2 when the bench itself could not run.

import { runApplyBench } from './lib/apply-bench.mjs';
import { runDefinitionsBench } from './lib/definitions-bench.mjs';
import { runStateBench } from './lib/state-bench.mjs';

const SECTIONS = ['definitions', 'apply', 'state', 'all'];

function parseArgs(argv) {
  let section = 'all';
  let sizes;
  let stateSize;
  for (const arg of argv) {
    if (arg.startsWith('--sizes=')) {
      sizes = arg
        .slice('--sizes='.length)
        .split(',')
        .map((value) => Number(value));
      if (sizes.some((size) => !Number.isInteger(size) || size < 1)) {
        throw new Error(`--sizes takes whole numbers separated by commas (got ${arg}).`);
      }
    } else if (arg.startsWith('--state-size=')) {
      stateSize = Number(arg.slice('--state-size='.length));
      if (!Number.isInteger(stateSize) || stateSize < 1) {
        throw new Error(`--state-size takes a whole number (got ${arg}).`);
      }
    } else if (SECTIONS.includes(arg)) {
      section = arg;
    } else {
      throw new Error(
        `Unknown argument ${arg}: use ${SECTIONS.join('|')}, --sizes=N,N,... and --state-size=N`,
      );
    }
  }
  return { section, sizes, stateSize };
}

async function main() {
  const { section, sizes, stateSize } = parseArgs(process.argv.slice(2));
  console.log(
    `segsync bench — node ${process.version}, ${process.platform}/${process.arch}, ${new Date().toISOString()}`,
  );
  const verdicts = [];
  if (section === 'definitions' || section === 'all') {
    verdicts.push(...(await runDefinitionsBench(sizes ? { sizes } : {})).verdicts);
  }
  if (section === 'apply' || section === 'all') {
    verdicts.push(...(await runApplyBench()).verdicts);
  }
  if (section === 'state' || section === 'all') {
    verdicts.push(...(await runStateBench(stateSize ? { size: stateSize } : {})).verdicts);
  }
  const failed = verdicts.filter((v) => !v.pass).length;
  console.log(`\n${verdicts.length - failed} of ${verdicts.length} targets met.`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
});
