// The CPU floor of segsync's HTTP client: segsync's own Wati client (the WatiApi of
// src/wati/api.ts: its create operation over the transport's got, configured as apply configures
// it, with the system clock and jitter) creating COUNT segments at CONCURRENCY, with nothing else
// — no plan, no state, no journal, no progress. Side by side with raw-post-loop.mjs it shows what
// the client library costs per create, against what segsync apply adds on top of it.
// Usage: node bench/lib/client-post-loop.mjs URL TOKEN COUNT CONCURRENCY (run with cpu-probe.mjs
// preloaded; exits 1 if any create did not succeed).

import pLimit from 'p-limit';
import { systemTiming } from '../../dist/core/timing.js';
import { createWatiApi } from '../../dist/wati/api.js';

const [url, token, countText, concurrencyText] = process.argv.slice(2);
const count = Number(countText);
const concurrency = Number(concurrencyText);
const client = createWatiApi({ endpoint: url, token, concurrency, timing: systemTiming });
const limit = pLimit(concurrency);

let failed = 0;
await Promise.all(
  Array.from({ length: count }, (_, index) =>
    limit(async () => {
      const { outcome } = await client.createSegment({
        name: `client-${index}`,
        refreshType: 1,
        contactIds: [`+1555000${String(index).padStart(4, '0')}`],
      });
      if (outcome.kind !== 'created') failed++;
    }),
  ),
);
client.close();
process.stdout.write(`${count - failed} created, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
