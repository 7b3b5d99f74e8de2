// Preloaded with `node --import` into a measured command: on exit, writes the process's peak
// resident set size (kilobytes, from getrusage) and its CPU time (user + system, every thread, in
// milliseconds) as JSON { maxRssKb, cpuMs } to the file named by BENCH_RSS_FILE. Portable (no
// /usr/bin/time needed) and works for every command measured here, since all are Node.

import { writeFileSync } from 'node:fs';

const target = process.env.BENCH_RSS_FILE;
if (target) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
    writeFileSync(target, JSON.stringify({ maxRssKb: usage.maxRSS, cpuMs }));
  });
}
