import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import type { State } from '../../src/core/model.js';
import type { SegmentDefinition } from '../../src/core/model.js';
import { digestOf } from '../../src/core/canonical-json.js';
import {
  adoptSegment,
  forgetSegment,
  listEntries,
  resolveAsAbsent,
  resolveAsCreated,
} from '../../src/state/reconcile.js';
import { schemaProblems } from '../../src/state/schema.js';
import { createdFor, pendingFor } from './fixtures.js';

const NOW = '2026-11-26T12:00:00.000Z';

function sampleState(): State {
  return {
    formatVersion: 1,
    endpoint: 'https://live-mt-server.wati.io/123456',
    segments: {
      'VIP Customers': { status: 'created', ...createdFor('VIP Customers', 'seg-1') },
      'Customers from India': {
        status: 'pending',
        ...pendingFor('Customers from India', '2026-11-26T11:00:00.000Z'),
        reason: 'timeout after the request was sent',
      },
      Churned: { status: 'pending', ...pendingFor('Churned', '2026-11-26T11:30:00.000Z') },
    },
  };
}

/** Runs `action` on a snapshot and checks the input was left exactly as it was. */
function withoutMutation(action: (state: State) => State): State {
  const state = sampleState();
  const before = JSON.stringify(state);
  const result = action(state);
  expect(JSON.stringify(state)).toBe(before);
  expect(result).not.toBe(state);
  expect(schemaProblems(result)).toEqual([]);
  return result;
}

function userError(action: () => unknown): UserError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

describe('resolveAsCreated', () => {
  it('turns a pending entry into a created one recorded by resolve', () => {
    const result = withoutMutation((state) =>
      resolveAsCreated(state, 'Customers from India', '  seg-42 ', NOW),
    );
    const pending = sampleState().segments['Customers from India'];
    expect(result.segments['Customers from India']).toEqual({
      status: 'created',
      id: 'seg-42',
      payload: pending?.payload,
      digest: pending?.digest,
      createdAt: NOW,
      source: pending?.source,
      recordedBy: 'resolve',
    });
    expect(Object.keys(result.segments)).toHaveLength(3);
  });

  it('says with which id a segment is already created', () => {
    const error = userError(() => resolveAsCreated(sampleState(), 'VIP Customers', 'seg-9', NOW));
    expect(error.message).toContain('already recorded as created (id seg-1)');
    expect(error.hint).toContain('segsync state forget');
  });

  it('says when the name is unknown, suggesting near misses', () => {
    const error = userError(() =>
      resolveAsCreated(sampleState(), 'customers from india', 'x', NOW),
    );
    expect(error.message).toContain('"customers from india" is not recorded');
    expect(error.hint).toContain('Did you mean "Customers from India"?');
  });

  it('rejects an empty id', () => {
    const error = userError(() => resolveAsCreated(sampleState(), 'Churned', '  ', NOW));
    expect(error.message).toContain('not a usable segment id: it is empty');
  });
});

describe('resolveAsAbsent', () => {
  it('removes the pending entry so the next apply creates it', () => {
    const result = withoutMutation((state) => resolveAsAbsent(state, 'Churned'));
    expect(Object.keys(result.segments).sort()).toEqual(['Customers from India', 'VIP Customers']);
  });

  it('refuses a created entry and points at forget', () => {
    const error = userError(() => resolveAsAbsent(sampleState(), 'VIP Customers'));
    expect(error.message).toContain('seg-1');
    expect(error.hint).toContain('segsync state forget "VIP Customers"');
  });

  it('says when there is nothing to resolve at all', () => {
    const state: State = { formatVersion: 1, segments: {} };
    const error = userError(() => resolveAsAbsent(state, 'Churned'));
    expect(error.hint).toContain('no unknown outcomes');
  });

  it('does not treat inherited object properties as entries', () => {
    const error = userError(() => resolveAsAbsent(sampleState(), 'constructor'));
    expect(error.message).toContain('"constructor" is not recorded');
  });
});

describe('forgetSegment', () => {
  it('removes a created entry', () => {
    const result = withoutMutation((state) => forgetSegment(state, 'VIP Customers'));
    expect(result.segments).not.toHaveProperty('VIP Customers');
    expect(result.endpoint).toBe(sampleState().endpoint);
  });

  it('removes a pending entry', () => {
    const result = withoutMutation((state) => forgetSegment(state, 'Churned'));
    expect(result.segments).not.toHaveProperty('Churned');
  });

  it('suggests a name within a small edit distance', () => {
    const error = userError(() => forgetSegment(sampleState(), 'VIP Customer'));
    expect(error.hint).toContain('Did you mean "VIP Customers"?');
  });

  it('gives no suggestion for an unrelated name', () => {
    const error = userError(() => forgetSegment(sampleState(), 'Newsletter'));
    expect(error.hint).not.toContain('Did you mean');
    expect(error.hint).toContain('segsync state list');
  });
});

describe('adoptSegment', () => {
  const defined = (name: string): SegmentDefinition => {
    const payload = { name, refreshType: 1 as const, contactIds: ['4915100000001'] };
    return {
      name,
      payload,
      digest: digestOf(payload),
      source: { file: 'segments/dashboard.yaml', line: 3, column: 1 },
    };
  };

  it("records the definition's payload and digest as created, marked as adopted", () => {
    const result = withoutMutation((state) =>
      adoptSegment(state, defined('Made in dashboard'), ' dash-7\n', NOW),
    );
    const definition = defined('Made in dashboard');
    expect(result.segments['Made in dashboard']).toEqual({
      status: 'created',
      id: 'dash-7',
      payload: definition.payload,
      digest: definition.digest,
      createdAt: NOW,
      source: 'segments/dashboard.yaml',
      recordedBy: 'adopt',
    });
  });

  it('refuses a name already recorded as created or pending, saying what to do instead', () => {
    const createdError = userError(() =>
      adoptSegment(sampleState(), defined('VIP Customers'), 'x', NOW),
    );
    expect(createdError.message).toContain('already recorded as created (id seg-1)');
    expect(createdError.hint).toContain('state forget');
    const pendingError = userError(() => adoptSegment(sampleState(), defined('Churned'), 'x', NOW));
    expect(pendingError.message).toContain('unknown outcome');
    expect(pendingError.hint).toContain('segsync state resolve "Churned" --id ID');
  });

  it('refuses an id already recorded for another segment', () => {
    const error = userError(() => adoptSegment(sampleState(), defined('Other'), 'seg-1', NOW));
    expect(error.message).toContain('already recorded for "VIP Customers"');
  });
});

describe('listEntries', () => {
  it('lists every entry sorted by name with its time, id and reason', () => {
    expect(listEntries(sampleState())).toEqual([
      {
        name: 'Churned',
        status: 'pending',
        at: '2026-11-26T11:30:00.000Z',
        source: 'segments/Churned.yaml',
      },
      {
        name: 'Customers from India',
        status: 'pending',
        at: '2026-11-26T11:00:00.000Z',
        source: 'segments/Customers from India.yaml',
        reason: 'timeout after the request was sent',
      },
      {
        name: 'VIP Customers',
        status: 'created',
        id: 'seg-1',
        at: '2026-11-26T10:00:01.000Z',
        source: 'segments/VIP Customers.yaml',
        recordedBy: 'apply',
      },
    ]);
  });
});
