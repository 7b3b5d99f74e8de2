// A state file that records every definition of a workspace as created (what the state of a
// repository looks like after its definitions were applied), for the peak-RSS comparison of
// `plan` with a large state against the same plan with an empty state.

import { writeFile } from 'node:fs/promises';
import { loadAndValidateDefinitions } from '../../dist/definitions/load-definitions.js';
import { serializeState } from '../../dist/state/file.js';

/** Writes `statePath` recording each definition in `workspace.defs` as created; returns the count. */
export async function writeStateRecordingAll(workspace, statePath) {
  const { segments } = await loadAndValidateDefinitions([workspace.defs], { cwd: workspace.root });
  const state = { formatVersion: 1, segments: {} };
  segments.forEach((segment, index) => {
    state.segments[segment.name] = {
      status: 'created',
      id: `seg-${index + 1}`,
      payload: segment.payload,
      digest: segment.digest,
      createdAt: '2026-01-01T00:00:00.000Z',
      source: segment.source.file,
    };
  });
  await writeFile(statePath, serializeState(state));
  return segments.length;
}
