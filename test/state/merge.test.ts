// Merging state files by meaning: the rules, then the algebra (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { State, StateEntry } from '../../src/core/model.js';
import { mergeStates } from '../../src/state/merge.js';
import { createdFor, pendingFor } from './fixtures.js';

const ENDPOINT = 'https://live-mt-server.wati.io/123';

function stateOf(
  entries: Record<string, StateEntry>,
  endpoint: string | undefined = ENDPOINT,
): State {
  return {
    formatVersion: 1,
    ...(endpoint !== undefined ? { endpoint } : {}),
    segments: Object.fromEntries(Object.entries(entries)),
  };
}
const created = (name: string, id: string): StateEntry => ({
  ...createdFor(name, id),
  status: 'created',
});
const pending = (name: string, startedAt?: string): StateEntry => ({
  ...pendingFor(name, startedAt),
  status: 'pending',
});

function mergedOrThrow(...args: Parameters<typeof mergeStates>): State {
  const result = mergeStates(...args);
  if (!result.ok) throw new Error(`unexpected conflict: ${JSON.stringify(result)}`);
  return result.state;
}

describe('mergeStates', () => {
  it('keeps the entries of both sides', () => {
    const merged = mergedOrThrow(
      stateOf({ A: created('A', '1') }),
      stateOf({ B: created('B', '2'), C: pending('C') }),
    );
    expect(Object.keys(merged.segments).sort()).toEqual(['A', 'B', 'C']);
    expect(merged.segments.B).toEqual(created('B', '2'));
  });

  it('lets a created entry settle a pending one, from either side, and reports it', () => {
    const ours = stateOf({ A: pending('A') });
    const theirs = stateOf({ A: created('A', '7') });
    const result = mergeStates(ours, theirs);
    expect(result.ok && result.state.segments.A).toEqual(created('A', '7'));
    expect(result.ok && result.changes.resolved).toEqual(['A']);
    expect(mergedOrThrow(theirs, ours).segments.A).toEqual(created('A', '7'));
  });

  it('treats identical entries as one', () => {
    const state = stateOf({ A: created('A', '1'), B: pending('B') });
    expect(mergedOrThrow(state, state)).toEqual(state);
  });

  it('refuses two ids for one name, naming both, and returns no state', () => {
    const result = mergeStates(
      stateOf({ A: created('A', '1') }),
      stateOf({ A: created('A', '2') }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.conflicts).toHaveLength(1);
    expect(result.conflicts[0]?.reason).toContain('1');
    expect(result.conflicts[0]?.reason).toContain('2');
    expect('state' in result).toBe(false);
  });

  it('refuses two payloads for one name, even when one is only pending', () => {
    const other = { ...pending('A'), digest: `sha256:${'f'.repeat(64)}` };
    const result = mergeStates(stateOf({ A: created('A', '1') }), stateOf({ A: other }));
    expect(result.ok).toBe(false);
  });

  it('refuses states of two different endpoints', () => {
    const result = mergeStates(stateOf({}), stateOf({}, 'https://other.example/1'));
    expect(result).toMatchObject({
      ok: false,
      endpointMismatch: { theirs: 'https://other.example/1' },
    });
  });

  it('adopts the endpoint of the side that has one', () => {
    expect(mergedOrThrow(stateOf({}, undefined), stateOf({})).endpoint).toBe(ENDPOINT);
  });

  it('keeps a segment named __proto__ as an entry', () => {
    const merged = mergedOrThrow(
      stateOf({}),
      stateOf({ ['__proto__']: created('__proto__', '9') }),
    );
    expect(Object.hasOwn(merged.segments, '__proto__')).toBe(true);
  });

  describe('with a base (git three-way merge)', () => {
    it('honours a `state forget` made on one side when the other side left the entry alone', () => {
      const base = stateOf({ A: created('A', '1'), B: created('B', '2') });
      const forgot = stateOf({ B: created('B', '2') });
      const added = stateOf({ A: created('A', '1'), B: created('B', '2'), C: created('C', '3') });
      const merged = mergedOrThrow(forgot, added, base);
      expect(Object.keys(merged.segments).sort()).toEqual(['B', 'C']);
    });

    it('keeps an entry one side removed while the other side changed it', () => {
      const base = stateOf({ A: pending('A') });
      const forgot = stateOf({});
      const settled = stateOf({ A: created('A', '1') });
      expect(mergedOrThrow(forgot, settled, base).segments.A).toEqual(created('A', '1'));
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const names = fc.constantFrom('A', 'B', 'C', 'D', '__proto__', 'Ünïcode', '10', '9');
const ids = fc.constantFrom('1', '2', '3');
const entries = fc.oneof(
  fc.tuple(names, ids).map(([name, id]) => [name, created(name, id)] as const),
  fc
    .tuple(names, fc.constantFrom('2026-11-26T10:00:00.000Z', '2026-11-26T11:00:00.000Z'))
    .map(([name, at]) => [name, pending(name, at)] as const),
);
const states = fc
  .array(entries, { maxLength: 6 })
  .map((list) => stateOf(Object.fromEntries(list.map(([name, entry]) => [name, entry]))));

function createdIds(state: State): Map<string, string> {
  return new Map(
    Object.entries(state.segments).flatMap(([name, entry]) =>
      entry.status === 'created' ? [[name, entry.id] as const] : [],
    ),
  );
}

describe('mergeStates properties', () => {
  it('is commutative wherever it does not conflict', () => {
    fc.assert(
      fc.property(states, states, (a, b) => {
        const ab = mergeStates(a, b);
        const ba = mergeStates(b, a);
        expect(ab.ok).toBe(ba.ok);
        if (ab.ok && ba.ok) expect(ab.state).toEqual(ba.state);
      }),
    );
  });

  it('is idempotent: merging a state with itself, or a result again, changes nothing', () => {
    fc.assert(
      fc.property(states, states, (a, b) => {
        expect(mergedOrThrow(a, a)).toEqual(a);
        const ab = mergeStates(a, b);
        if (ab.ok) expect(mergedOrThrow(ab.state, b)).toEqual(ab.state);
      }),
    );
  });

  it('never loses a created entry, and never loses a name', () => {
    fc.assert(
      fc.property(states, states, (a, b) => {
        const ab = mergeStates(a, b);
        if (!ab.ok) {
          // Conflicts only when both sides record different ids for a name.
          for (const conflict of ab.conflicts) {
            expect(conflict.ours.status === 'created' && conflict.theirs.status === 'created').toBe(
              true,
            );
          }
          return;
        }
        for (const side of [a, b]) {
          for (const [name, id] of createdIds(side))
            expect(createdIds(ab.state).get(name)).toBe(id);
          for (const name of Object.keys(side.segments))
            expect(Object.hasOwn(ab.state.segments, name)).toBe(true);
        }
      }),
    );
  });
});
