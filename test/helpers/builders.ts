// Small builders for plan and renderer tests: valid definitions and state entries without files.
import type {
  CreatedEntry,
  PendingEntry,
  SegmentDefinition,
  State,
  WatiPayload,
} from '../../src/core/model.js';
import { digestOf } from '../../src/core/canonical-json.js';

export function definition(
  payload: WatiPayload,
  source: { file?: string; line?: number } = {},
): SegmentDefinition {
  return {
    name: payload.name,
    payload,
    digest: digestOf(payload),
    source: {
      file: source.file ?? `segments/${slug(payload.name)}.yaml`,
      line: source.line ?? 2,
      column: 7,
    },
  };
}

export function staticPayload(name: string, contactIds = ['111', '222']): WatiPayload {
  return { name, refreshType: 1, contactIds };
}

export function dynamicPayload(name: string, country = 'India'): WatiPayload {
  return {
    name,
    refreshType: 2,
    groups: [{ conditions: [{ attribute: 'country', operator: '==', value: country }] }],
  };
}

export function created(payload: WatiPayload, id: string): CreatedEntry {
  return {
    status: 'created',
    id,
    payload,
    digest: digestOf(payload),
    createdAt: '2026-11-01T10:00:00.000Z',
    source: `segments/${slug(payload.name)}.yaml`,
    recordedBy: 'apply',
  };
}

export function pending(payload: WatiPayload): PendingEntry {
  return {
    status: 'pending',
    payload,
    digest: digestOf(payload),
    startedAt: '2026-11-01T10:00:00.000Z',
    source: `segments/${slug(payload.name)}.yaml`,
    reason: 'connection reset after the request was sent',
  };
}

export function stateOf(...entries: Array<CreatedEntry | PendingEntry>): State {
  const segments: State['segments'] = {};
  for (const entry of entries) {
    // defineProperty, not assignment: a segment named "__proto__" must become an own entry.
    Object.defineProperty(segments, entry.payload.name, {
      value: entry,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { formatVersion: 1, endpoint: 'https://live-mt-server.wati.io/123456', segments };
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
