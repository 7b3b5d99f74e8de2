// segsync's own version, from package.json: what `--version` prints and the User-Agent carries.
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package version; 'unknown' if package.json cannot be read (never a reason to fail). */
export function packageVersion(): string {
  if (cached === undefined) {
    cached = 'unknown';
    // src/core/version.ts, dist/core/version.js and the bundled CLI (dist/bundle/) all sit two
    // levels below the package root; '../' first, should a layout ever put it one level below.
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
