// What a bundle would load from node_modules at run time. segsync's published package has no
// dependencies, so its bundle may load Node's own modules only; scripts/build.mjs fails when this
// finds anything else.

import { builtinModules } from 'node:module';

const CREATE_REQUIRE_CALL = /createRequire\([^)]*\)\(\s*["'`]([^"'`]+)["'`]\s*\)/g;

/**
 * One line per run-time load of a package, from esbuild's `metafile` and the text of each output
 * (`readOutput(outputPath)`): the imports and require() calls esbuild left external, and the
 * `createRequire(import.meta.url)('name')` calls it cannot see at all (it bundles neither).
 */
export function runTimePackageLoads(metafile, readOutput) {
  const loads = [];
  for (const [output, { imports }] of Object.entries(metafile.outputs)) {
    for (const { path: specifier, external } of imports) {
      if (external && !isBuiltin(specifier)) loads.push(`${output} imports "${specifier}"`);
    }
    for (const [, specifier] of readOutput(output).matchAll(CREATE_REQUIRE_CALL)) {
      if (!isBuiltin(specifier)) loads.push(`${output} requires "${specifier}" at run time`);
    }
  }
  return loads;
}

function isBuiltin(specifier) {
  return specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]);
}
