// `plan --base REV`: what a change did to the state file, by meaning. Pure: both states are read
// by the caller. The state file decides what apply creates, so a pull request that drops an entry
// (a careless conflict resolution) would create a duplicate on merge, and one that writes a
// `created` entry by hand would make apply skip a segment that may not exist. Reviewers see the
// definitions' diff; these diagnostics make the state file's diff as visible.
import type {
  Diagnostic,
  State,
  StateChange,
  StateComparison,
  StateEntry,
  StateEntrySummary,
} from '../core/model.js';

export function compareStates(
  base: State,
  working: State,
  definedNames: ReadonlySet<string>,
): StateChange[] {
  const changes: StateChange[] = [];
  if (base.endpoint !== working.endpoint) {
    changes.push({
      kind: 'endpoint-changed',
      ...(base.endpoint !== undefined ? { before: base.endpoint } : {}),
      ...(working.endpoint !== undefined ? { after: working.endpoint } : {}),
    });
  }
  const names = [...new Set([...Object.keys(base.segments), ...Object.keys(working.segments)])];
  for (const name of names.sort(compareNames)) {
    const before = entryOf(base, name);
    const after = entryOf(working, name);
    if (before && !after) {
      changes.push({
        kind: 'entry-removed',
        name,
        before: summarize(before),
        stillDefined: definedNames.has(name),
      });
    } else if (after && (!before || (before.status === 'pending' && after.status === 'created'))) {
      changes.push({
        kind: 'entry-added',
        name,
        ...(before ? { before: summarize(before) } : {}),
        after: summarize(after),
      });
    } else if (before && after && differ(before, after)) {
      changes.push({
        kind: 'entry-changed',
        name,
        before: summarize(before),
        after: summarize(after),
      });
    }
  }
  return changes;
}

export interface StateChangeContext {
  /** The working state file, as shown to the user: every diagnostic is located there. */
  stateFile: string;
  /** Where the working file holds each entry, and its `segments` key (for removed entries). */
  lines?: StateFileLines;
}

export interface StateFileLines {
  segments?: number;
  entries: ReadonlyMap<string, number>;
}

/** One diagnostic per change; a removed entry that is still defined is an error. */
export function stateChangeDiagnostics(
  comparison: StateComparison,
  context: StateChangeContext,
): Diagnostic[] {
  const base = comparison.base;
  const restore = `\`git checkout ${base} -- ${context.stateFile}\``;
  const at = (name?: string) => {
    const line =
      (name !== undefined ? context.lines?.entries.get(name) : undefined) ??
      context.lines?.segments;
    return { file: context.stateFile, ...(line !== undefined ? { line } : {}) };
  };
  return comparison.changes.map((change): Diagnostic => {
    switch (change.kind) {
      case 'endpoint-changed':
        return {
          severity: 'warning',
          code: 'state-endpoint-changed',
          ...at(),
          message:
            `The state file's endpoint changed since ${base}: ${change.before ?? '(none)'} → ` +
            `${change.after ?? '(none)'}. It decides which Wati account apply creates in.`,
          hint: 'Check that this is the account this state file belongs to; each account has its own state file.',
        };
      case 'entry-removed': {
        const what = describeEntry(change.before);
        if (!change.stillDefined) {
          return {
            severity: 'warning',
            code: 'state-entry-forgotten',
            segment: change.name,
            ...at(),
            message:
              `${JSON.stringify(change.name)} (${what} at ${base}) is no longer recorded, and no ` +
              'longer defined: forgotten together with its definition.',
            hint:
              change.before.status === 'created'
                ? 'segsync cannot delete segments: delete it in the Wati dashboard if that is not done yet.'
                : 'If that create reached Wati, the segment still exists there: check the dashboard.',
          };
        }
        return {
          severity: 'error',
          code: 'state-entry-removed',
          segment: change.name,
          ...at(),
          message:
            `The state file no longer records ${JSON.stringify(change.name)} (${what} at ${base}), ` +
            'which is still defined: the next apply would create it again' +
            (change.before.status === 'created'
              ? ', a duplicate in Wati.'
              : ', a duplicate if the earlier create reached Wati.'),
          hint:
            `Restore the entry (${restore} restores the whole file; then redo this change's own ` +
            'state edits with `segsync state …`, or merge the two versions with `segsync state ' +
            'merge`). Never drop entries when resolving a conflict. If the segment was deleted in ' +
            'the dashboard, remove its definition in the same change.',
        };
      }
      case 'entry-added': {
        const { after } = change;
        const settled = change.before ? ` (it was ${describeEntry(change.before)} at ${base})` : '';
        const how =
          after.recordedBy === 'adopt'
            ? ' by `segsync state adopt`'
            : after.recordedBy === 'resolve'
              ? ' by `segsync state resolve --id`'
              : '';
        return {
          severity: 'warning',
          code: 'state-entry-added',
          segment: change.name,
          ...at(change.name),
          message:
            after.status === 'created'
              ? `This change records ${JSON.stringify(change.name)} as created (id ${after.id ?? '?'})${how}, ` +
                `without an apply${settled}: apply takes it as existing and will never create it.`
              : `This change records an unknown outcome for ${JSON.stringify(change.name)} that ${base} ` +
                'does not have: apply will not create it until it is settled.',
          hint:
            after.status === 'created'
              ? `Check in the Wati dashboard that a segment ${JSON.stringify(change.name)} with id ` +
                `${after.id ?? '?'} exists and matches its definition; otherwise drop the entry from this change.`
              : 'State entries come from apply; drop the entry from this change unless you know why it is there.',
        };
      }
      case 'entry-changed':
        return {
          severity: 'warning',
          code: 'state-entry-changed',
          segment: change.name,
          ...at(change.name),
          message:
            `This change rewrites the record of ${JSON.stringify(change.name)}: ` +
            `${describeEntry(change.before)} at ${base}, ${describeEntry(change.after)} now.`,
          hint: 'segsync writes these records itself; check in the Wati dashboard which one is true.',
        };
    }
  });
}

function describeEntry(entry: StateEntrySummary): string {
  return entry.status === 'created'
    ? `created, id ${entry.id ?? '?'}, ${entry.digest.slice(0, 'sha256:'.length + 8)}…`
    : `pending (an unknown outcome), ${entry.digest.slice(0, 'sha256:'.length + 8)}…`;
}

function summarize(entry: StateEntry): StateEntrySummary {
  return entry.status === 'created'
    ? {
        status: 'created',
        digest: entry.digest,
        id: entry.id,
        ...(entry.recordedBy !== undefined ? { recordedBy: entry.recordedBy } : {}),
      }
    : { status: 'pending', digest: entry.digest };
}

/** Bookkeeping (timestamps, the source path, the reason of a pending one) is not meaning. */
function differ(a: StateEntry, b: StateEntry): boolean {
  if (a.status !== b.status || a.digest !== b.digest) return true;
  return a.status === 'created' && b.status === 'created' && a.id !== b.id;
}

function entryOf(state: State, name: string): StateEntry | undefined {
  return Object.hasOwn(state.segments, name) ? state.segments[name] : undefined;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
