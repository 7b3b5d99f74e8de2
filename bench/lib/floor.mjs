// The floor for `segsync validate/plan`: the least work any tool must do to check the same
// files — list them, read each, parse it with `yaml`, run the compiled segment schema. Nothing
// else: no line/column tracking, no cross-file rules, no plan, no output beyond one line.
//
// The floor gets every advantage segsync has: the same build of `yaml` segsync's bundle runs (its
// ES module build, see scripts/build.mjs; ~10% faster than the CommonJS build `import 'yaml'`
// gives Node) and the same validator, compiled ahead of time (dist/yaml/precompiled-validators.js,
// ajv standalone code for the schema and options segsync uses).
// Usage: node bench/lib/floor.mjs DIR [--threads=2]
//   --threads=2: the same work shared with one worker thread, chunk by chunk, the way segsync
//   shares it on large repositories: what a second core can give on this machine.

import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { precompiled } from '../../dist/yaml/precompiled-validators.js';

const yamlRoot = path.dirname(createRequire(import.meta.url).resolve('yaml/package.json'));
const { parse } = await import(pathToFileURL(path.join(yamlRoot, 'browser/index.js')).href);
const validate = precompiled.segment;

/** Files per claimed chunk, as in src/definitions/load-definitions.ts. */
const FILES_PER_CHUNK = 100;

/** Checks chunks of `names` claimed from the shared counter until none is left. */
function checkChunks(dir, names, counter) {
  const result = { valid: 0, invalid: 0 };
  for (;;) {
    const chunk = Atomics.add(counter, 0, 1);
    if (chunk * FILES_PER_CHUNK >= names.length) return result;
    for (const name of names.slice(chunk * FILES_PER_CHUNK, (chunk + 1) * FILES_PER_CHUNK)) {
      const data = parse(readFileSync(path.join(dir, name), 'utf8'));
      if (validate(data)) result.valid++;
      else result.invalid++;
    }
  }
}

if (isMainThread) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node bench/lib/floor.mjs DIR [--threads=2]\n');
    process.exit(2);
  }
  const threads = process.argv.includes('--threads=2') ? 2 : 1;
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .sort();
  const shared = new SharedArrayBuffer(4);
  const theirs =
    threads === 2
      ? new Promise((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), {
            workerData: { dir, names, shared },
          });
          worker.once('message', resolve);
          worker.once('error', reject);
        })
      : Promise.resolve({ valid: 0, invalid: 0 });
  const mine = checkChunks(dir, names, new Int32Array(shared));
  const other = await theirs;
  const valid = mine.valid + other.valid;
  const invalid = mine.invalid + other.invalid;
  process.stdout.write(`${valid} valid, ${invalid} invalid\n`);
  process.exitCode = invalid === 0 ? 0 : 1;
} else {
  const { dir, names, shared } = workerData;
  parentPort.postMessage(checkChunks(dir, names, new Int32Array(shared)));
}
