// Preloaded with `node --import` into a measured command: on exit, writes the process's peak
// resident set size (kilobytes, from getrusage) to the file named by BENCH_RSS_FILE. Portable
// (no /usr/bin/time needed) and works for every command measured here, since all are Node.

import { writeFileSync } from 'node:fs';

const target = process.env.BENCH_RSS_FILE;
if (target) {
  process.on('exit', () => {
    writeFileSync(target, String(process.resourceUsage().maxRSS));
  });
}
