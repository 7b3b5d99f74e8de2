// segsync's own version, from package.json: what `--version` prints and the User-Agent carries.
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package version; 'unknown' if package.json cannot be read (never a reason to fail). */
export function packageVersion(): string {
  if (cached === undefined) {
    cached = 'unknown';
    // src/version.ts and dist/version.js sit one level below the package root, the bundled CLI
    // (dist/bundle/) two: the nearest package.json above is segsync's own in every layout.
    for (const up of ['../', '../../']) {
      try {
        const manifest: unknown = JSON.parse(
          readFileSync(new URL(`${up}package.json`, import.meta.url), 'utf8'),
        );
        const version = (manifest as { version?: unknown }).version;
        cached = typeof version === 'string' ? version : 'unknown';
        break;
      } catch {
        // Not at this level (or unreadable): try the next one up.
      }
    }
  }
  return cached;
}
