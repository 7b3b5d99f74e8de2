// The composition root: the one place that picks the real implementations of the services
// commands receive (application/services.ts), for the CLI (cli.ts) and the demo (demo.ts). Tests
// build the same services with fast timings (test/helpers/services.ts).
import type { Services } from './application/services.js';
import type { Timing } from './core/timing.js';
import { systemTiming } from './core/timing.js';
import { runGit } from './git/run-git.js';

/** The real services; `timing` replaces the system clock, jitter or sleep (tests: no backoff). */
export function createServices(timing: Partial<Timing> = {}): Services {
  return {
    ...systemTiming,
    ...timing,
    // Loaded on first use: got and the Wati operations stay out of commands that never send.
    wati: async (options) => {
      const { createWatiApi } = await import('./wati/api.js');
      return createWatiApi(options);
    },
    git: runGit,
  };
}
