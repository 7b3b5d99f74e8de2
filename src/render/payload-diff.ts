import { createTwoFilesPatch } from 'diff';
import { prettyCanonicalJson } from '../core/canonical-json.js';
import type { WatiPayload } from '../core/model.js';

/**
 * Contact IDs are personal data: PR-facing output shows how many there are, never the values.
 * The placeholder keeps the diff meaningful (a count that changed shows as a changed line).
 */
export function maskContactIds(payload: WatiPayload): Record<string, unknown> {
  if (!payload.contactIds) return { ...payload };
  const count = payload.contactIds.length;
  return { ...payload, contactIds: `<${count} contact ID${count === 1 ? '' : 's'}, masked>` };
}

export interface PayloadDiffOptions {
  maskContactIds?: boolean;
}

/** Unified diff of the payload recorded in the state against the payload now defined. */
export function diffPayloads(
  recorded: WatiPayload,
  defined: WatiPayload,
  options: PayloadDiffOptions = {},
): string {
  const before = options.maskContactIds ? maskContactIds(recorded) : recorded;
  const after = options.maskContactIds ? maskContactIds(defined) : defined;
  const patch = createTwoFilesPatch(
    'created (state file)',
    'defined now',
    `${prettyCanonicalJson(before)}\n`,
    `${prettyCanonicalJson(after)}\n`,
    undefined,
    undefined,
    { context: 3 },
  );
  // Drop the "===" banner line createTwoFilesPatch starts with; the ---/+++ headers say enough.
  return patch.replace(/^=+\n/, '').trimEnd();
}

/** How the contact lists differ, in counts only (safe to show in pull requests). */
export function contactIdChanges(
  recorded: WatiPayload,
  defined: WatiPayload,
): { added: number; removed: number } {
  const before = new Set(recorded.contactIds ?? []);
  const after = new Set(defined.contactIds ?? []);
  let added = 0;
  let removed = 0;
  for (const id of after) if (!before.has(id)) added++;
  for (const id of before) if (!after.has(id)) removed++;
  return { added, removed };
}
