// npm run bench [-- definitions|apply|all] [--sizes=100,1000,10000]
// Prints measurements and PASS/FAIL lines for segsync's performance targets. Runs against dist/
// (build first). Exit code 1 when a target fails, so CI can notice — but it is never a test —
// and 2 when the bench itself could not run.

import { runApplyBench } from './lib/apply-bench.mjs';
import { runDefinitionsBench } from './lib/definitions-bench.mjs';

const SECTIONS = ['definitions', 'apply', 'all'];

function parseArgs(argv) {
  let section = 'all';
  let sizes;
  for (const arg of argv) {
    if (arg.startsWith('--sizes=')) {
      sizes = arg
        .slice('--sizes='.length)
        .split(',')
        .map((value) => Number(value));
      if (sizes.some((size) => !Number.isInteger(size) || size < 1)) {
        throw new Error(`--sizes takes whole numbers separated by commas (got ${arg}).`);
      }
    } else if (SECTIONS.includes(arg)) {
      section = arg;
    } else {
      throw new Error(`Unknown argument ${arg}: use ${SECTIONS.join('|')} and --sizes=N,N,...`);
    }
  }
  return { section, sizes };
}

async function main() {
  const { section, sizes } = parseArgs(process.argv.slice(2));
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
  const failed = verdicts.filter((v) => !v.pass).length;
  console.log(`\n${verdicts.length - failed} of ${verdicts.length} targets met.`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
});
