// The reference for segsync's CPU per create: a bare node:http POST loop against the same
// emulator, with the same concurrency and a keep-alive agent of as many sockets, sending COUNT
// creates and reading each JSON answer. No retries, no state, no validation: the least any client
// must do. Usage: node bench/lib/raw-post-loop.mjs URL TOKEN COUNT CONCURRENCY
// (run with cpu-probe.mjs preloaded; exits 1 if any create did not answer 200).

import http from 'node:http';

const [url, token, countText, concurrencyText] = process.argv.slice(2);
const count = Number(countText);
const concurrency = Number(concurrencyText);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const target = new URL('/api/v1/createCustomSegment', url);

function post(index) {
  const body = JSON.stringify({
    name: `raw-${index}`,
    refreshType: 1,
    contactIds: [`+1555000${String(index).padStart(4, '0')}`],
  });
  return new Promise((resolve, reject) => {
    const request = http.request(
      target,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          const answer = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          resolve(response.statusCode === 200 ? answer : undefined);
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

let next = 0;
let failed = 0;
async function worker() {
  while (next < count) {
    const answer = await post(next++);
    if (answer === undefined) failed++;
  }
}
await Promise.all(Array.from({ length: concurrency }, () => worker()));
agent.destroy();
process.stdout.write(`${count - failed} created, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
