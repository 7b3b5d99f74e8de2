// The third-party notices of the bundle: which packages esbuild put into dist/bundle/ (read from
// its metafile, so the list follows the build and cannot drift from it), each with its version,
// licence and licence text. Used by scripts/build.mjs, which writes the result to
// dist/THIRD_PARTY_NOTICES.md (shipped in the package).

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const NODE_MODULES = 'node_modules/';
const LICENCE_FILE = /^(licen[cs]e|copying)(\.(md|txt|markdown))?$/i;

/**
 * The packages whose files are inputs of the build, as their directories under node_modules
 * (relative to the build's working directory, as the metafile names its inputs): one entry per
 * installed copy, so two versions of one package are two entries.
 */
export function bundledPackageDirectories(metafile) {
  const directories = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const at = input.lastIndexOf(NODE_MODULES);
    if (at === -1) continue;
    const [first, second] = input.slice(at + NODE_MODULES.length).split('/');
    const name = first.startsWith('@') ? `${first}/${second}` : first;
    directories.add(`${input.slice(0, at + NODE_MODULES.length)}${name}`);
  }
  return [...directories].sort();
}

/** Name, version, licence and licence text of the package installed in `directory`. */
export function packageNotice(directory) {
  const manifest = JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8'));
  const licence = typeof manifest.license === 'string' ? manifest.license : undefined;
  const licenceFile = readdirSync(directory).find((file) => LICENCE_FILE.test(file));
  if (licence === undefined || licenceFile === undefined) {
    // A package bundled without its licence would ship unattributed: stop the build instead.
    throw new Error(
      `${directory}: no ${licence === undefined ? '"license" field in package.json' : 'licence file'}; the third-party notices need both. Check the package's licence before bundling it.`,
    );
  }
  return {
    name: manifest.name,
    version: manifest.version,
    licence,
    text: readFileSync(path.join(directory, licenceFile), 'utf8').replace(/\r\n?/g, '\n').trim(),
  };
}

/** The notices file: a list of the packages, then each package's licence text. */
export function thirdPartyNotices(notices) {
  const sorted = [...notices].sort(
    (a, b) => a.name.localeCompare(b.name, 'en') || a.version.localeCompare(b.version, 'en'),
  );
  const lines = [
    '# Third-party notices',
    '',
    "segsync's command-line program (dist/bundle/) includes the following packages, bundled at",
    'build time by scripts/build.mjs. Each is used under the licence named here, whose text follows.',
    '',
    ...sorted.map(({ name, version, licence }) => `- ${name} ${version} (${licence})`),
  ];
  for (const { name, version, licence, text } of sorted) {
    // Indented four spaces: a code block in Markdown, so no licence text is read as markup.
    const indented = text.split('\n').map((line) => (line.trim() === '' ? '' : `    ${line}`));
    lines.push('', `## ${name} ${version}`, '', `Licence: ${licence}`, '', ...indented);
  }
  return `${lines.join('\n')}\n`;
}
