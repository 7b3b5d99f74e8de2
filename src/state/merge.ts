// Merging two state files by meaning, not by text. Pure: no I/O.
//
// Every entry records a segment that exists (created) or may exist (pending) in Wati, so the
// merge keeps the union: dropping an entry makes the next apply create that segment again. For
// one name, `created` beats `pending` (the answer settles the unknown outcome). Entries that
// disagree about WHAT was created (two ids, or two payload digests) are a conflict: the merge
// writes nothing and names both, because either choice could hide a segment that exists.
//
// With a base (git's three-way merge), an entry that one side removed (`state forget`) while the
// other side left it exactly as in the base stays removed; any other removal is ignored, because
// keeping an entry never causes a duplicate and losing one does.
import { canonicalJson } from '../core/canonical-json.js';
import type { MergeConflict, PendingEntry, State, StateEntry } from '../core/model.js';
import { STATE_FORMAT_VERSION } from '../core/model.js';

export type MergeResult =
  | { ok: true; state: State; changes: MergeChanges }
  | { ok: false; conflicts: MergeConflict[]; endpointMismatch?: { ours: string; theirs: string } };

/** What the merge changed in `ours`, for a readable report. */
export interface MergeChanges {
  /** Names only `theirs` had. */
  added: string[];
  /** Names pending in `ours` that `theirs` records as created. */
  resolved: string[];
  /** Names removed because one side forgot them (three-way merge only). */
  removed: string[];
}

export function mergeStates(ours: State, theirs: State, base?: State): MergeResult {
  if (ours.endpoint !== undefined && theirs.endpoint !== undefined) {
    if (ours.endpoint !== theirs.endpoint) {
      return {
        ok: false,
        conflicts: [],
        endpointMismatch: { ours: ours.endpoint, theirs: theirs.endpoint },
      };
    }
  }
  const names = new Set([...Object.keys(ours.segments), ...Object.keys(theirs.segments)]);
  const merged: [string, StateEntry][] = [];
  const conflicts: MergeConflict[] = [];
  const changes: MergeChanges = { added: [], resolved: [], removed: [] };
  for (const name of [...names].sort()) {
    const mine = entryOf(ours, name);
    const other = entryOf(theirs, name);
    if (mine === undefined || other === undefined) {
      const present = (mine ?? other) as StateEntry;
      if (base && forgottenOnPurpose(entryOf(base, name), present)) {
        if (mine !== undefined) changes.removed.push(name);
        continue;
      }
      if (mine === undefined) changes.added.push(name);
      merged.push([name, present]);
      continue;
    }
    const outcome = mergeEntries(mine, other);
    if ('reason' in outcome) {
      conflicts.push({ name, ours: mine, theirs: other, reason: outcome.reason });
      continue;
    }
    if (mine.status === 'pending' && outcome.entry.status === 'created') {
      changes.resolved.push(name);
    }
    merged.push([name, outcome.entry]);
  }
  if (conflicts.length > 0) return { ok: false, conflicts };
  const endpoint = ours.endpoint ?? theirs.endpoint;
  const state: State = {
    formatVersion: STATE_FORMAT_VERSION,
    ...(endpoint !== undefined ? { endpoint } : {}),
    // fromEntries defines own properties: a segment named __proto__ stays an entry.
    segments: Object.fromEntries(merged),
  };
  return { ok: true, state, changes };
}

/** One entry from two that describe the same name, or why they cannot both be true. */
export function mergeEntries(
  a: StateEntry,
  b: StateEntry,
): { entry: StateEntry } | { reason: string } {
  if (a.digest !== b.digest) {
    return { reason: 'the two sides record different payloads (digests differ)' };
  }
  if (a.status === 'created' && b.status === 'created') {
    if (a.id !== b.id) return { reason: `two different ids: ${a.id} and ${b.id}` };
    return { entry: smallerCanonical(a, b) };
  }
  if (a.status === 'created') return { entry: a };
  if (b.status === 'created') return { entry: b };
  // Two pending records of the same create: the one that says why it is unknown tells more.
  if ((a.reason === undefined) !== (b.reason === undefined)) {
    return { entry: a.reason !== undefined ? a : b };
  }
  return { entry: smallerCanonical(a, b) };
}

/**
 * Equal in meaning but not in bookkeeping (timestamps, source path): pick one by a total order on
 * the text, so the merge is commutative and the same on every machine.
 */
function smallerCanonical(a: StateEntry, b: StateEntry): StateEntry {
  return canonicalJson(a) <= canonicalJson(b) ? a : b;
}

/** The side that still has the entry left it as the base had it, so the other side removed it. */
function forgottenOnPurpose(inBase: StateEntry | undefined, present: StateEntry): boolean {
  return inBase !== undefined && canonicalJson(inBase) === canonicalJson(present);
}

function entryOf(state: State, name: string): StateEntry | undefined {
  return Object.hasOwn(state.segments, name) ? state.segments[name] : undefined;
}

/**
 * The names whose records `theirs` does not hold as `ours` has them: missing, another payload, a
 * created entry with another id or not created. A pending record is held by the same pending or
 * created entry (the answer settled it). Used to check that a pushed state file was kept.
 */
export function missingRecords(ours: State, theirs: State): string[] {
  return Object.keys(ours.segments)
    .sort()
    .filter((name) => {
      const mine = entryOf(ours, name) as StateEntry;
      const other = entryOf(theirs, name);
      if (other === undefined || other.digest !== mine.digest) return true;
      return mine.status === 'created' && (other.status !== 'created' || other.id !== mine.id);
    });
}

/**
 * `theirs` without the pending records this run wrote there itself and has since withdrawn (the
 * create was never sent, or definitely failed): exactly those records, as written, and no other
 * run's. Without this, a merge would keep them (the union) as unknown outcomes of nobody's.
 */
export function withoutWithdrawn(
  theirs: State,
  withdrawn: ReadonlyMap<string, PendingEntry>,
): State {
  const kept = Object.entries(theirs.segments).filter(([name, entry]) => {
    const own = withdrawn.get(name);
    return own === undefined || canonicalJson(own) !== canonicalJson(entry);
  });
  if (kept.length === Object.keys(theirs.segments).length) return theirs;
  return { ...theirs, segments: Object.fromEntries(kept) };
}
