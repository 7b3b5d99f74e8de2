// node bench/install.mjs [--runs=5] [--offline] [PACKAGE_DIR]
// What installing segsync costs a user: packs PACKAGE_DIR (default: this repository; its dist/
// must be built — the pack runs no scripts), then installs the tarball into a fresh project
// `--runs` times. Prints the tarball's packed and unpacked size, then for the installs the
// median and min–max wall time, the packages added and node_modules' size on disk.
// --offline installs with `--offline` and a registry nobody answers (127.0.0.1:9), so any
// network attempt fails: a package with no dependencies needs none. Without it, npm may use the
// registry (and its cache) for the dependencies.

import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const options = {
  runs: 5,
  offline: false,
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
};
for (const arg of process.argv.slice(2)) {
  if (arg.startsWith('--runs=')) options.runs = Number(arg.slice('--runs='.length));
  else if (arg === '--offline') options.offline = true;
  else if (!arg.startsWith('--')) options.packageDir = path.resolve(arg);
  else throw new Error(`Unknown argument ${arg}: use --runs=N, --offline and a package directory.`);
}
if (!Number.isInteger(options.runs) || options.runs < 1)
  throw new Error('--runs takes a whole number.');

const work = mkdtempSync(path.join(tmpdir(), 'segsync-install-bench-'));
try {
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
      cwd: options.packageDir,
      encoding: 'utf8',
    }),
  );
  const tarball = path.join(work, packed.filename);
  console.log(
    `${packed.id}: ${packed.entryCount} files, packed ${kB(packed.size)}, unpacked ${kB(packed.unpackedSize)}`,
  );

  const installFlags = ['install', '--no-audit', '--no-fund', '--no-update-notifier'];
  if (options.offline) installFlags.push('--offline', '--registry', 'http://127.0.0.1:9/');
  const times = [];
  let added;
  let size;
  for (let run = 0; run < options.runs; run++) {
    const project = path.join(work, `project-${run}`);
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), '{ "name": "fresh", "private": true }\n');
    const started = performance.now();
    execFileSync('npm', [...installFlags, tarball], { cwd: project, stdio: 'ignore' });
    times.push(performance.now() - started);
    const lock = JSON.parse(readFileSync(path.join(project, 'package-lock.json'), 'utf8'));
    added = Object.keys(lock.packages).filter((key) => key !== '').length;
    size = diskUsage(path.join(project, 'node_modules'));
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `npm install${options.offline ? ' --offline' : ''} of the tarball, ${options.runs} runs: median ${ms(median)}, min–max ${ms(times[0])}–${ms(times.at(-1))}`,
  );
  console.log(
    `packages added: ${added}; node_modules: ${kB(size.bytes)} in files, ${kB(size.onDisk)} on disk`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** The sizes of the files under `directory`, and the disk blocks they take (what `du` counts). */
function diskUsage(directory, total = { bytes: 0, onDisk: 0 }) {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    const stats = lstatSync(full);
    total.onDisk += stats.blocks * 512;
    if (entry.isDirectory()) diskUsage(full, total);
    else total.bytes += stats.size;
  }
  return total;
}

function kB(bytes) {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

function ms(value) {
  return `${Math.round(value)} ms`;
}
