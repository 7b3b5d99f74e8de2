// Runs a command as a child process and measures it from spawn to exit: wall time, and (in a
// separate run, so the preload cannot colour the timing) peak RSS through report-rss.mjs.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const RSS_PRELOAD = new URL('./report-rss.mjs', import.meta.url).href;

/**
 * Spawns `process.execPath ...nodeArgs` and resolves when it exits, with its output. Rejects if it
 * could not be started; a non-zero exit is the caller's to judge (`code`).
 */
export function runNode(nodeArgs, { cwd, env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, nodeArgs, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout = [];
    const stderr = [];
    child.stdout.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        wallMs: performance.now() - started,
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/**
 * Runs the command once with the usage preload (report-rss.mjs); resolves the run (wall time
 * included) with the child's peak RSS in kilobytes and its CPU time in milliseconds.
 */
export async function runProbed(nodeArgs, options = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'segsync-rss-'));
  const file = path.join(dir, 'usage.json');
  try {
    const env = { ...(options.env ?? process.env), BENCH_RSS_FILE: file };
    const run = await runNode(['--import', RSS_PRELOAD, ...nodeArgs], { ...options, env });
    assertSucceeded(run, nodeArgs);
    const { maxRssKb, cpuMs } = JSON.parse(await readFile(file, 'utf8'));
    return { ...run, peakRssKb: maxRssKb, cpuMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the command once with the usage preload; resolves the child's peak RSS in kilobytes. */
export async function measurePeakRssKb(nodeArgs, options = {}) {
  return (await runProbed(nodeArgs, options)).peakRssKb;
}

/** "median (min–max)" of `values`, each shown by `format`. */
export function spread(values, format = formatMs) {
  return `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
}

/** Throws a readable error (with the child's stderr) when a measured command failed. */
export function assertSucceeded(run, nodeArgs) {
  if (run.code === 0) return;
  const tail = run.stderr.trim().split('\n').slice(-5).join('\n');
  throw new Error(
    `node ${nodeArgs.join(' ')} exited with ${run.code ?? run.signal}:\n${tail || run.stdout.slice(-500)}`,
  );
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function formatMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

export function formatMb(kb) {
  return `${(kb / 1024).toFixed(0)} MB`;
}

/**
 * One PASS/FAIL line comparing `value` with `limit`: by default value ≤ limit passes; `strict`
 * makes it value < limit, `atLeast` value ≥ limit. `unit` '×' prints a ratio.
 */
export function verdict(
  label,
  value,
  limit,
  { unit = '×', strict = false, atLeast = false, limitShownBy } = {},
) {
  const pass = atLeast ? value >= limit : strict ? value < limit : value <= limit;
  const relation = atLeast ? '≥' : strict ? '<' : '≤';
  const shown = unit === '×' ? `${value.toFixed(2)}×` : `${Number(value.toFixed(1))} ${unit}`;
  const bound = unit === '×' ? `${limit}×` : `${Number(limit.toFixed(2))} ${unit}`;
  // A miss whose cause the same run measured says so on its own line (docs/benchmarks.md).
  const because =
    !pass && limitShownBy ? `\n          limit measured in this run: ${limitShownBy}` : '';
  return {
    pass,
    line: `${pass ? 'PASS' : 'FAIL'}  ${label}: ${shown} (target ${relation} ${bound})${because}`,
  };
}

/** A PASS/FAIL line for a yes/no target; `detail` says what was seen. */
export function check(label, pass, detail) {
  return { pass, line: `${pass ? 'PASS' : 'FAIL'}  ${label}: ${detail}` };
}
