// The documented 400 checks of POST /api/v1/createCustomSegment. Wati's body format and exact
// messages are undocumented; these messages are ours, worded the way the documentation states
// each rule.

import { isRecord } from '../core/guards.js';
import type { WatiPayload } from '../core/model.js';

export type CreateRequestCheck =
  { ok: true; payload: WatiPayload } | { ok: false; message: string };

/** Parses and checks a raw request body, returning the payload or the first rule it breaks. */
export function checkCreateRequest(rawBody: string): CreateRequestCheck {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return { ok: false, message: 'Request body is not valid JSON' };
  }
  if (!isRecord(body)) return { ok: false, message: 'Request body must be a JSON object' };

  const { name, refreshType, groups, contactIds, useUploadedContact } = body;
  if (name === undefined || name === null || name === '') {
    return { ok: false, message: 'name is required' };
  }
  if (typeof name !== 'string' || name.trim() === '') {
    return { ok: false, message: 'name must be a non-empty string' };
  }
  if (refreshType !== 1 && refreshType !== 2) {
    return { ok: false, message: 'refreshType must be 1 (static) or 2 (dynamic)' };
  }
  if (groups !== undefined && !Array.isArray(groups)) {
    return { ok: false, message: 'groups must be an array of { conditions: [...] }' };
  }
  if (
    contactIds !== undefined &&
    !(Array.isArray(contactIds) && contactIds.every((id) => typeof id === 'string'))
  ) {
    return { ok: false, message: 'contactIds must be an array of strings' };
  }
  if (useUploadedContact !== undefined && typeof useUploadedContact !== 'boolean') {
    return { ok: false, message: 'useUploadedContact must be true or false' };
  }
  const hasGroups = groups !== undefined && groups.length > 0;
  const hasContactIds = contactIds !== undefined && contactIds.length > 0;
  if (refreshType === 2 && !hasGroups) {
    return { ok: false, message: 'groups are required for a dynamic segment (refreshType 2)' };
  }
  if (refreshType === 1 && !hasGroups && !hasContactIds) {
    return {
      ok: false,
      message: 'A static segment (refreshType 1) needs contactIds or groups',
    };
  }

  // The emulator does not judge conditions: the operator list and combination rules are
  // undocumented, so any array of groups is accepted and stored as sent.
  const payload: WatiPayload = { name, refreshType };
  if (groups !== undefined) payload.groups = groups as WatiPayload['groups'];
  if (contactIds !== undefined) payload.contactIds = contactIds;
  if (useUploadedContact !== undefined) payload.useUploadedContact = useUploadedContact;
  return { ok: true, payload };
}
