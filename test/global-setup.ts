// Some suites run the built CLI (dist/) as a child process, like a user would. Build it once,
// before any suite starts, when it is missing or older than a source file, so those suites never
// test a stale binary and never race each other to build it.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

function newestSourceMtime(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    const mtime = entry.isDirectory() ? newestSourceMtime(full) : statSync(full).mtimeMs;
    newest = Math.max(newest, mtime);
  }
  return newest;
}

export default function setup(): void {
  const cli = path.join(root, 'dist', 'cli.js');
  // The build reads src/, and schemas/ (precompiled validators) through scripts/.
  const inputs = ['src', 'schemas', 'scripts'].map((dir) =>
    newestSourceMtime(path.join(root, dir)),
  );
  if (existsSync(cli) && statSync(cli).mtimeMs >= Math.max(...inputs)) return;
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
}
