// The services in-process tests hand to commands: the real ones (real HTTP to local servers,
// real git), without backoff between retries — a test gains nothing by waiting a random while.
// A Retry-After a server sends is still waited for, on the real clock.
import type { Services } from '../../src/application/services.js';
import { createServices } from '../../src/composition-root.js';

export function fastServices(): Services {
  return createServices({ random: () => 0 });
}
