// segsync's own version, from package.json: what `--version` prints and the User-Agent carries.
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package version; 'unknown' if package.json cannot be read (never a reason to fail). */
export function packageVersion(): string {
  if (cached === undefined) {
    try {
      // src/version.ts and dist/version.js both sit one level below the package root.
      const manifest: unknown = JSON.parse(
        readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
      );
      const version = (manifest as { version?: unknown }).version;
      cached = typeof version === 'string' ? version : 'unknown';
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
