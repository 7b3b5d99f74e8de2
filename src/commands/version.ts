// segsync's version, from its package.json. Kept two folders below the package root like every
// module that finds a shipped file by its own URL, so the path holds both in dist/ and in the
// bundle (dist/bundle/).
import { readFileSync } from 'node:fs';

export function readVersion(): string {
  const manifest = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}
