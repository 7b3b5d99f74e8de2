// Which rejected pushes are a lost race (fetch, merge by meaning, push again) and which are a
// refusal: read from the porcelain status lines git writes, never from what a server hook prints.
import { describe, expect, it } from 'vitest';
import { lostRaceForBranch } from '../../src/git/state-pusher.js';

const status = (summary: string) => `To origin\n!\tHEAD:refs/heads/main\t${summary}\nDone\n`;

describe('lostRaceForBranch', () => {
  it.each([
    '[rejected] (fetch first)',
    '[rejected] (non-fast-forward)',
    '[rejected] (stale info)',
    '[remote rejected] (failed to update ref)',
    "[remote rejected] (cannot lock ref 'refs/heads/main': is at 1a2b but expected 3c4d)",
    '[remote rejected] (incorrect old value provided)',
  ])('%s: the branch moved, retry', (summary) => {
    expect(lostRaceForBranch(status(summary))).toBe(true);
  });

  it.each([
    '[remote rejected] (pre-receive hook declined)',
    '[remote rejected] (protected branch hook declined)',
    '[rejected] (permission denied)',
  ])('%s: a refusal', (summary) => {
    expect(lostRaceForBranch(status(summary))).toBe(false);
  });

  it('a hook printing the words of a race does not make its refusal a race', () => {
    const stdout = status('[remote rejected] (pre-receive hook declined)');
    expect(
      lostRaceForBranch(
        `remote: cannot lock ref 'refs/heads/main' [rejected] (fetch first)\n${stdout}`,
      ),
    ).toBe(false);
    expect(lostRaceForBranch('')).toBe(false);
  });
});
