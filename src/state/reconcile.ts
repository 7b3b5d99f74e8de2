// What `segsync state ...` does to the state: pure functions from State to a new State. The user
// tells segsync what they saw in the Wati dashboard, because the API cannot be asked.

import { UserError } from '../core/errors.js';
import type {
  CreatedEntry,
  SegmentDefinition,
  State,
  StateEntry,
  StateEntryRow,
} from '../core/model.js';
import { checkSegmentId } from '../core/segment-id.js';
import { nearMisses } from '../core/suggest.js';

/** The user found the segment in Wati: the unknown outcome becomes a created entry with that id. */
export function resolveAsCreated(state: State, name: string, id: string, now: string): State {
  const entry = pendingEntryOf(state, name, 'resolve');
  const created: CreatedEntry = {
    status: 'created',
    id: checkSegmentId(id, name),
    payload: entry.payload,
    digest: entry.digest,
    createdAt: now,
    source: entry.source,
    recordedBy: 'resolve',
  };
  return withSegment(state, name, created);
}

/**
 * The user made the segment in the Wati dashboard and tells segsync its id: it is recorded as
 * created, so plan shows it unchanged instead of creating a second one. segsync sent no payload,
 * so the entry records the definition's payload and digest as they are now, and `recordedBy:
 * "adopt"` says the id came from the user, not from a create.
 */
export function adoptSegment(
  state: State,
  definition: SegmentDefinition,
  id: string,
  now: string,
): State {
  const name = definition.name;
  const checkedId = checkSegmentId(id, name);
  const existing = segmentEntry(state, name);
  if (existing?.status === 'created') {
    throw new UserError(
      `${JSON.stringify(name)} is already recorded as created (id ${existing.id}).`,
      'Nothing to adopt. If that record is wrong (the segment was deleted in Wati), run ' +
        `\`segsync state forget ${JSON.stringify(name)}\` first.`,
    );
  }
  if (existing?.status === 'pending') {
    throw new UserError(
      `${JSON.stringify(name)} has an unknown outcome: segsync sent a create for it and never saw the answer.`,
      `If the segment is in the Wati dashboard, record it with \`segsync state resolve ${JSON.stringify(name)} --id ID\`; ` +
        'if it is not, `--absent`.',
    );
  }
  const owner = Object.keys(state.segments).find((other) => {
    const entry = segmentEntry(state, other);
    return entry?.status === 'created' && entry.id === checkedId;
  });
  if (owner !== undefined) {
    throw new UserError(
      `The id ${checkedId} is already recorded for ${JSON.stringify(owner)}.`,
      'One Wati segment can belong to one definition only. Check the id in the dashboard.',
    );
  }
  const adopted: CreatedEntry = {
    status: 'created',
    id: checkedId,
    payload: definition.payload,
    digest: definition.digest,
    createdAt: now,
    source: definition.source.file,
    recordedBy: 'adopt',
  };
  return withSegment(state, name, adopted);
}

/** The user checked Wati and the segment is not there: the next apply will create it. */
export function resolveAsAbsent(state: State, name: string): State {
  pendingEntryOf(state, name, 'resolve');
  return withoutSegment(state, name);
}

/** Removes any entry, e.g. the segment was deleted in the Wati dashboard. */
export function forgetSegment(state: State, name: string): State {
  requireEntry(state, name);
  return withoutSegment(state, name);
}

/** One row per recorded segment, sorted by name. */
export function listEntries(state: State): StateEntryRow[] {
  return Object.keys(state.segments)
    .sort()
    .map((name) => {
      const entry = segmentEntry(state, name) as StateEntry;
      if (entry.status === 'created') {
        const row: StateEntryRow = {
          name,
          status: entry.status,
          id: entry.id,
          at: entry.createdAt,
          source: entry.source,
        };
        if (entry.recordedBy !== undefined) row.recordedBy = entry.recordedBy;
        return row;
      }
      const row: StateEntryRow = {
        name,
        status: entry.status,
        at: entry.startedAt,
        source: entry.source,
      };
      if (entry.reason !== undefined) row.reason = entry.reason;
      return row;
    });
}

function pendingEntryOf(state: State, name: string, verb: string) {
  const entry = segmentEntry(state, name);
  if (!entry) {
    const pendingNames = Object.keys(state.segments).filter(
      (candidate) => state.segments[candidate]?.status === 'pending',
    );
    throw notRecordedError(state, name, pendingNames, verb);
  }
  if (entry.status === 'created') {
    throw new UserError(
      `${JSON.stringify(name)} is already recorded as created (id ${entry.id}); there is no unknown outcome to ${verb}.`,
      `If the segment was deleted in the Wati dashboard, \`segsync state forget ${JSON.stringify(name)}\` ` +
        'removes the record (the next apply then creates it again).',
    );
  }
  return entry;
}

/** The entry recorded for `name`, or a UserError suggesting near-miss names. */
export function requireEntry(state: State, name: string): StateEntry {
  const entry = segmentEntry(state, name);
  if (!entry) throw notRecordedError(state, name, Object.keys(state.segments));
  return entry;
}

function notRecordedError(
  state: State,
  name: string,
  candidates: string[],
  verb?: string,
): UserError {
  const suggestions = nearMisses(name, candidates);
  const hints: string[] = [];
  if (suggestions.length > 0) {
    hints.push(
      `Did you mean ${suggestions.map((candidate) => JSON.stringify(candidate)).join(' or ')}?`,
    );
  } else if (verb !== undefined && candidates.length === 0) {
    hints.push(`The state has no unknown outcomes to ${verb}.`);
  }
  hints.push(
    Object.keys(state.segments).length > 0
      ? 'Names are case-sensitive; `segsync state list` shows the recorded segments.'
      : 'The state file records no segments yet.',
  );
  return new UserError(
    `${JSON.stringify(name)} is not recorded in the state file.`,
    hints.join(' '),
  );
}

// ---------------------------------------------------------------------------------------------
// Copy-on-write helpers: states are shared (session snapshots), so never modify one in place.

/** A new state with `name` set to `entry`. Safe for any name, `__proto__` included. */
export function withSegment(state: State, name: string, entry: StateEntry): State {
  const segments = Object.entries(state.segments).filter(([key]) => key !== name);
  segments.push([name, entry]);
  return { ...state, segments: Object.fromEntries(segments) };
}

/** A new state without `name`. */
export function withoutSegment(state: State, name: string): State {
  const segments = Object.entries(state.segments).filter(([key]) => key !== name);
  return { ...state, segments: Object.fromEntries(segments) };
}

/** The entry recorded for `name`, never an inherited property such as `constructor`. */
export function segmentEntry(state: State, name: string): StateEntry | undefined {
  return Object.hasOwn(state.segments, name) ? state.segments[name] : undefined;
}
