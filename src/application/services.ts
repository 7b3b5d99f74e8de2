// What commands receive instead of reaching for the outside world themselves: time, chance, Wati
// and git. The CLI's composition root (src/composition-root.ts) builds the real ones; tests build
// the same with fast timings (zero backoff) and still talk to real local servers and real git.
import type { Timing } from '../core/timing.js';
import type { GitRunner } from '../git/run-git.js';
import type { WatiApiFactory } from '../wati/api.js';

export interface Services extends Timing {
  /** Opens the run's connection to Wati (lazily: got loads only when a command talks to Wati). */
  wati: WatiApiFactory;
  /** Starts git: the state pusher and the readers of the state file's history go through it. */
  git: GitRunner;
}
