import type { WatiPayload } from '../core/model.js';
import { plural } from './diagnostics.js';

/** One short phrase saying what a segment selects, without revealing contact IDs. */
export function describePayload(payload: WatiPayload, contactIdsFile?: string): string {
  const parts = [payload.refreshType === 1 ? 'static' : 'dynamic'];
  if (payload.contactIds) {
    const from = contactIdsFile === undefined ? '' : ` from ${contactIdsFile}`;
    parts.push(`${plural(payload.contactIds.length, 'contact ID')}${from}`);
  }
  if (payload.groups) {
    const conditions = payload.groups.reduce((sum, group) => sum + group.conditions.length, 0);
    parts.push(`${plural(payload.groups.length, 'group')}, ${plural(conditions, 'condition')}`);
  }
  if (payload.useUploadedContact) parts.push('uploaded contacts');
  return parts.join(', ');
}
