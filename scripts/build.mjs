// npm run build: TypeScript → dist/, then two steps that make the CLI start faster (measured in
// docs/benchmarks.md):
// 1. ajv standalone validators for the schemas, written over dist/yaml/precompiled-
//    validators.js (src keeps a stand-in that compiles at run time), so no start loads ajv's
//    compiler or compiles a schema;
// 2. one esbuild bundle of the CLI in dist/bundle/ (code-split at the lazy command imports, so
//    `--version` still loads only the entry), which replaces ~150 module files read and linked at
//    every start. dist/cli.js (the bin) becomes a one-line entry into it; every other dist/ module
//    stays as tsc wrote it (the emulator, the demo, the bench's imports).
// The bundle sits two folders below the package root, like the modules it came from, so their
// `new URL('../../schemas/…', import.meta.url)` lookups hold unchanged.

import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { precompiledValidatorsSource } from './precompile-schemas.mjs';

const root = new URL('../', import.meta.url);
const dist = (path) => fileURLToPath(new URL(`dist/${path}`, root));

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', fileURLToPath(new URL('tsconfig.build.json', root))], {
  stdio: 'inherit',
});

const { ajvOptions } = await import(new URL('dist/yaml/schema-validator.js', root).href);
const { STATE_FORMATS } = await import(new URL('dist/yaml/schema-validator.js', root).href);
writeFileSync(
  dist('yaml/precompiled-validators.js'),
  precompiledValidatorsSource({ definitionOptions: ajvOptions, stateFormats: STATE_FORMATS }),
);

rmSync(dist('bundle'), { recursive: true, force: true });
await build({
  entryPoints: [dist('cli.js'), dist('definitions/load-worker.js')],
  outdir: dist('bundle'),
  // Flat: the worker must sit beside the chunk that starts it ('./load-worker.js').
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS dependencies (ajv's runtime, commander) call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __segsyncRequire } from 'node:module'; const require = __segsyncRequire(import.meta.url);",
  },
  // Less text to read and scan at every start; identifiers keep their names (stack traces).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
writeFileSync(dist('cli.js'), "#!/usr/bin/env node\nimport './bundle/cli.js';\n");
