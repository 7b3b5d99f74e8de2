// npm run build: TypeScript → dist/, then two steps that make the CLI start faster (measured in
// docs/benchmarks.md):
// 1. ajv standalone validators for the schemas, written over dist/yaml/precompiled-
//    validators.js (src keeps a stand-in that compiles at run time), so no start loads ajv's
//    compiler or compiles a schema;
// 2. one esbuild bundle of the CLI in dist/bundle/ (code-split at the lazy command imports, so
//    `--version` still loads only the entry), which replaces ~150 module files read and linked at
//    every start. dist/cli.js (the bin) becomes a one-line entry into it; every other dist/ module
//    stays as tsc wrote it (the demo, the bench's imports) and is not published.
// The bundle holds every package segsync uses at run time, so the published package has no
// dependencies (one package to install): the build fails if the bundle would load anything but
// Node's own modules at run time, and writes dist/THIRD_PARTY_NOTICES.md, the licences of the
// packages esbuild put in (from its metafile, also kept as dist/bundle-metafile.json for the
// tests; neither the metafile nor the tsc modules are in package.json's `files`).
// The bundle sits two folders below the package root, like the modules it came from, so their
// `new URL('../../schemas/…', import.meta.url)` lookups hold unchanged.

import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { precompiledValidatorsSource } from './precompile-schemas.mjs';
import { runTimePackageLoads } from './run-time-loads.mjs';
import {
  bundledPackageDirectories,
  packageNotice,
  thirdPartyNotices,
} from './third-party-notices.mjs';

const root = new URL('../', import.meta.url);
const dist = (path) => fileURLToPath(new URL(`dist/${path}`, root));

const require = createRequire(import.meta.url);
// A clean build: a module moved or removed in src/ must not linger in dist/ for a bench or a
// test to import.
rmSync(fileURLToPath(new URL('dist/', root)), { recursive: true, force: true });
const tsc = require.resolve('typescript/bin/tsc');
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
const { metafile } = await build({
  entryPoints: [dist('cli.js'), dist('definitions/load-worker.js')],
  outdir: dist('bundle'),
  // The metafile names files relative to this: the package root, wherever the build is run from.
  absWorkingDir: fileURLToPath(root),
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
  // yaml's ES module build instead of its CommonJS one: the same parser from the same sources,
  // but bundled as ES modules its unused parts (stringify, visitAsync…) are left out and its ~60
  // modules need no run-time wrappers — `validate segments/` starts ~4 ms sooner. The two builds
  // differ only where segsync never goes: warnings go to console.warn (segsync parses with
  // logLevel 'error', so none is emitted), !!binary yields a Uint8Array instead of a Buffer
  // (segsync refuses binary values either way), and a debug log stream.
  alias: {
    yaml: path.join(path.dirname(require.resolve('yaml/package.json')), 'browser/index.js'),
  },
  // Less text to read and scan at every start; identifiers keep their names (stack traces).
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  logLevel: 'warning',
});
const runTimePackages = runTimePackageLoads(metafile, (output) =>
  readFileSync(fileURLToPath(new URL(output, root)), 'utf8'),
);
if (runTimePackages.length > 0) {
  throw new Error(
    `The bundle would load packages at run time, which the published package does not have:\n  ${runTimePackages.join('\n  ')}\nLoad them with import or import(), so esbuild bundles them.`,
  );
}
writeFileSync(dist('bundle-metafile.json'), `${JSON.stringify(metafile, null, 2)}\n`);
writeFileSync(
  dist('THIRD_PARTY_NOTICES.md'),
  thirdPartyNotices(
    bundledPackageDirectories(metafile).map((directory) =>
      packageNotice(fileURLToPath(new URL(directory, root))),
    ),
  ),
);
// The entry point answers `--version` itself, with the version written in at build time: it is
// what scripts call most, and loading the bundle's first modules costs it ~5 ms (58 → 53 ms
// against 48 ms for `node -e 0`). Everything else goes to the bundle.
const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
writeFileSync(
  dist('cli.js'),
  `#!/usr/bin/env node
// Generated by scripts/build.mjs.
const args = process.argv;
if (args.length === 3 && (args[2] === '--version' || args[2] === '-V')) {
  // A reader that closed the pipe early (\`segsync --version | true\`) is not an error.
  process.stdout.on('error', () => {});
  process.stdout.write(${JSON.stringify(`${version}\n`)});
} else {
  await import('./bundle/cli.js');
}
`,
);
