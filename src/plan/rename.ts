// Wati cannot rename a segment: a definition renamed in the repository creates a second segment,
// and the old one stays active. Spotting the likely renames lets the plan say so next to the create.

import type { PlanAction, WatiPayload } from '../core/model.js';
import { digestOfSmall } from '../core/canonical-json.js';

/**
 * A create whose payload equals a removed entry's recorded payload but for the name is almost
 * always a rename, which Wati cannot do: mark it so the plan can say the old segment stays.
 * With several candidates, the first by name is named (the order actions are sorted in).
 */
export function markRenames(actions: PlanAction[]): void {
  const removedByShape = new Map<string, string>();
  for (const action of actions) {
    if (action.action !== 'removed' || !action.recorded) continue;
    const shape = shapeOf(action.recorded.payload);
    if (!removedByShape.has(shape)) removedByShape.set(shape, action.name);
  }
  if (removedByShape.size === 0) return;
  for (const action of actions) {
    if (action.action !== 'create' || !action.payload) continue;
    const renameOf = removedByShape.get(shapeOf(action.payload));
    if (renameOf !== undefined) action.renameOf = renameOf;
  }
}

/** The digest of a payload without its name: what a rename keeps. */
function shapeOf(payload: WatiPayload): string {
  return digestOfSmall({ ...payload, name: '' });
}
