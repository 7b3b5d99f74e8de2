// How a merge of two state files that disagree is worded (state/merge.ts finds the conflicts):
// for `state merge`, the git merge driver and `apply --push-state` catching up with the remote.
import type { MergeConflict, StateEntry } from '../core/model.js';
import { terminalQuoted, terminalText } from './sinks/terminal.js';

/**
 * Each conflict as "name: reason" and one line per side ("ours" / "theirs" as `labels` name
 * them) saying what it records, conflicts separated by an indented line break. The lines are joined
 * with line breaks of segsync's own, so the names and ids (from state files someone else wrote)
 * are escaped here: none of them can break a line or carry a control character.
 */
export function describeConflicts(
  conflicts: readonly MergeConflict[],
  labels: readonly [string, string],
): string {
  return conflicts.map((conflict) => describeConflict(conflict, labels)).join('\n  ');
}

function describeConflict(conflict: MergeConflict, labels: readonly [string, string]): string {
  const side = (entry: StateEntry) =>
    entry.status === 'created'
      ? `created, id ${terminalText(entry.id)}, ${terminalText(entry.digest.slice(0, 19))}…`
      : `pending (unknown outcome), ${terminalText(entry.digest.slice(0, 19))}…`;
  return (
    `${terminalQuoted(conflict.name)}: ${terminalText(conflict.reason)}\n` +
    `    ${labels[0]}: ${side(conflict.ours)}\n` +
    `    ${labels[1]}: ${side(conflict.theirs)}`
  );
}
