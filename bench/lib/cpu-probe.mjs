// Preloaded with `node --import` into a measured command: measures the process's CPU time (user +
// system, every thread) from the start of its first HTTP request to the end of its last response,
// through node:http's diagnostics channels, and writes it to the file named by BENCH_CPU_FILE on
// exit as JSON { cpuMs, requests, windowMs }. The same probe is loaded into segsync and into the
// raw node:http loop, so both are measured over the same window: sending, not start-up.

import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const target = process.env.BENCH_CPU_FILE;
if (target) {
  let first;
  let last;
  let requests = 0;
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  subscribe('http.client.request.start', () => {
    requests++;
    first ??= { cpu: cpuMs(), at: performance.now() };
  });
  subscribe('http.client.response.finish', () => {
    last = { cpu: cpuMs(), at: performance.now() };
  });
  process.on('exit', () => {
    const window =
      first && last
        ? { cpuMs: last.cpu - first.cpu, windowMs: last.at - first.at }
        : { cpuMs: Number.NaN, windowMs: Number.NaN };
    writeFileSync(target, JSON.stringify({ ...window, requests }));
  });
}
