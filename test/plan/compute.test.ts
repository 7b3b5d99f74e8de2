import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/core/model.js';
import { computePlan } from '../../src/plan/compute.js';
import {
  created,
  definition,
  dynamicPayload,
  pending,
  staticPayload,
  stateOf,
} from '../helpers/builders.js';

const empty = stateOf();

describe('computePlan: one action per segment', () => {
  it('plans a create for a segment the state does not know', () => {
    const plan = computePlan({
      segments: [definition(staticPayload('VIP'))],
      validationDiagnostics: [],
      state: empty,
    });
    expect(plan.actions.map((a) => [a.action, a.name])).toEqual([['create', 'VIP']]);
    expect(plan.summary).toEqual({ create: 1, unchanged: 0, changed: 0, removed: 0, unknown: 0 });
    expect(plan.blocked).toBe(false);
    expect(plan.diagnostics).toEqual([]);
  });

  it('is unchanged when the recorded digest equals the defined one', () => {
    const payload = dynamicPayload('India');
    const plan = computePlan({
      segments: [definition(payload)],
      validationDiagnostics: [],
      state: stateOf(created(payload, 'seg-1')),
    });
    expect(plan.actions[0]).toMatchObject({
      action: 'unchanged',
      blocking: false,
      recorded: { status: 'created', id: 'seg-1' },
    });
    expect(plan.blocked).toBe(false);
  });

  it('blocks a changed segment, keeping both payloads, and says what the user can do', () => {
    const plan = computePlan({
      segments: [definition(dynamicPayload('Country', 'France'), { line: 3 })],
      validationDiagnostics: [],
      state: stateOf(created(dynamicPayload('Country', 'India'), 'seg-9')),
    });
    expect(plan.actions[0]).toMatchObject({
      action: 'changed',
      blocking: true,
      payload: dynamicPayload('Country', 'France'),
      recorded: { id: 'seg-9', payload: dynamicPayload('Country', 'India') },
    });
    expect(plan.blocked).toBe(true);
    const diagnostic = plan.diagnostics[0]!;
    expect(diagnostic).toMatchObject({
      severity: 'error',
      code: 'changed',
      segment: 'Country',
      line: 3,
    });
    expect(diagnostic.message).toContain('id seg-9');
    expect(diagnostic.message).toContain('cannot update');
    expect(diagnostic.hint).toMatch(/Rename it/);
    expect(diagnostic.hint).toMatch(/revert/);
  });

  it('--allow-changed makes a changed segment a warning and unblocks the plan', () => {
    const plan = computePlan({
      segments: [definition(dynamicPayload('Country', 'France'))],
      validationDiagnostics: [],
      state: stateOf(created(dynamicPayload('Country', 'India'), 'seg-9')),
      options: { allowChanged: true },
    });
    expect(plan.actions[0]).toMatchObject({ action: 'changed', blocking: false });
    expect(plan.diagnostics[0]?.severity).toBe('warning');
    expect(plan.blocked).toBe(false);
  });

  it('warns about a removed segment without blocking, since it is still active in Wati', () => {
    const plan = computePlan({
      segments: [],
      validationDiagnostics: [],
      state: stateOf(created(staticPayload('Old'), 'seg-old')),
    });
    expect(plan.actions[0]).toMatchObject({ action: 'removed', name: 'Old', blocking: false });
    expect(plan.blocked).toBe(false);
    const diagnostic = plan.diagnostics[0]!;
    expect(diagnostic).toMatchObject({
      severity: 'warning',
      code: 'removed',
      file: 'segments/old.yaml',
    });
    expect(diagnostic.message).toContain('still active in Wati');
    expect(diagnostic.hint).toContain('segsync state forget "Old"');
  });

  it('an unknown outcome, with or without a definition, blocks only itself and says how to settle it', () => {
    const plan = computePlan({
      segments: [definition(staticPayload('Maybe')), definition(staticPayload('New'))],
      validationDiagnostics: [],
      state: stateOf(pending(staticPayload('Maybe')), pending(staticPayload('Gone'))),
      options: { commandFlags: ' --env prod' },
    });
    expect(plan.actions.map((a) => [a.name, a.action, a.blocking])).toEqual([
      ['Gone', 'unknown', false],
      ['Maybe', 'unknown', false],
      ['New', 'create', false],
    ]);
    expect(plan.blocked).toBe(false);
    expect(plan.diagnostics.map((d) => [d.severity, d.code])).toEqual([
      ['warning', 'unknown-outcome'],
      ['warning', 'unknown-outcome'],
    ]);
    const hints = plan.diagnostics.map((d) => d.hint ?? '');
    expect(hints[0]).toContain('segsync state resolve "Gone" --id <segment id> --env prod');
    expect(hints[1]).toContain('segsync state resolve "Maybe" --absent --env prod');
    expect(plan.settle).toEqual({
      names: ['Gone', 'Maybe'],
      exists: 'segsync state resolve "Gone" --id <segment id> --env prod',
      absent: 'segsync state resolve "Gone" "Maybe" --absent --env prod',
    });
  });

  it('while another apply holds the lock, its pending entries are in flight: blocked, nothing to settle', () => {
    const plan = computePlan({
      segments: [definition(staticPayload('Maybe'))],
      validationDiagnostics: [],
      state: stateOf(pending(staticPayload('Maybe'))),
      options: {
        inProgress: { pid: 7, hostname: 'ci', startedAt: '2026-11-01T10:00:00Z', command: 'apply' },
      },
    });
    expect(plan.blocked).toBe(true);
    expect(plan.settle).toBeUndefined();
    expect(plan.diagnostics.map((d) => d.code)).toEqual([
      'apply-in-progress',
      'create-in-progress',
    ]);
  });

  it('blocks on any validation error and keeps those diagnostics first', () => {
    const validation: Diagnostic = {
      severity: 'error',
      code: 'unknown-key',
      message: 'Unknown key "nmae".',
      file: 'segments/a.yaml',
      line: 2,
      column: 1,
    };
    const plan = computePlan({
      segments: [],
      validationDiagnostics: [validation],
      state: stateOf(created(staticPayload('Old'), 'x')),
    });
    expect(plan.blocked).toBe(true);
    expect(plan.diagnostics[0]).toBe(validation);
  });

  it('looks names up as own keys only ("constructor" is an ordinary name)', () => {
    const plan = computePlan({
      segments: [definition(staticPayload('constructor')), definition(staticPayload('__proto__'))],
      validationDiagnostics: [],
      state: JSON.parse('{"formatVersion":1,"segments":{}}') as typeof empty,
    });
    expect(plan.actions.map((a) => a.action)).toEqual(['create', 'create']);
  });
});

describe('computePlan: quota', () => {
  const state = stateOf(
    created(staticPayload('A'), '1'),
    created(staticPayload('B'), '2'),
    pending(staticPayload('C')),
  );
  const segments = ['A', 'B', 'C', 'D', 'E'].map((n) => definition(staticPayload(n)));

  it('states the arithmetic when creates would exceed segmentLimit', () => {
    const plan = computePlan({
      segments,
      validationDiagnostics: [],
      state,
      options: { segmentLimit: 4 },
    });
    expect(plan.quota).toEqual({ limit: 4, active: 2, unknown: 1, creates: 2, exceeded: true });
    const diagnostic = plan.diagnostics.find((d) => d.code === 'quota-exceeded')!;
    expect(diagnostic.message).toContain('2 active + 1 of unknown outcome + 2 to create = 5');
    expect(diagnostic.message).toContain('limit of 4');
    expect(diagnostic.message).toContain('outside segsync');
  });

  it('is silent when the plan fits exactly', () => {
    const plan = computePlan({
      segments,
      validationDiagnostics: [],
      state,
      options: { segmentLimit: 5 },
    });
    expect(plan.quota?.exceeded).toBe(false);
    expect(plan.diagnostics.some((d) => d.code === 'quota-exceeded')).toBe(false);
  });
});

describe('computePlan: determinism and checksums', () => {
  const a = definition(staticPayload('Alpha'));
  const b = definition(dynamicPayload('Beta'));
  const state = stateOf(created(staticPayload('Zeta'), 'z'));

  it('sorts actions by name and gives the same checksum whatever the input order', () => {
    const one = computePlan({ segments: [a, b], validationDiagnostics: [], state });
    const two = computePlan({ segments: [b, a], validationDiagnostics: [], state });
    expect(one.actions.map((x) => x.name)).toEqual(['Alpha', 'Beta', 'Zeta']);
    expect(two.checksum).toBe(one.checksum);
    expect(one.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('changes the state checksum and the plan checksum when the state changes', () => {
    const one = computePlan({ segments: [a], validationDiagnostics: [], state });
    const two = computePlan({ segments: [a], validationDiagnostics: [], state: stateOf() });
    expect(two.stateChecksum).not.toBe(one.stateChecksum);
    expect(two.definitionsChecksum).toBe(one.definitionsChecksum);
    expect(two.checksum).not.toBe(one.checksum);
  });

  it('ignores descriptions and file moves in the definitions checksum', () => {
    const moved = {
      ...a,
      description: 'new words',
      source: { file: 'elsewhere.yaml', line: 9, column: 1 },
    };
    const one = computePlan({ segments: [a], validationDiagnostics: [], state });
    const two = computePlan({ segments: [moved], validationDiagnostics: [], state });
    expect(two.definitionsChecksum).toBe(one.definitionsChecksum);
  });
});
