// `segsync state list` for people: one line per recorded segment, then the count.
import type { StateEntryRow } from '../core/model.js';
import { terminalText } from './sinks/terminal.js';

export function renderStateListText(rows: readonly StateEntryRow[]): string {
  if (rows.length === 0) return 'The state file records no segments yet.';
  // Names start the line: the terminal sink quotes one that would form a workflow command.
  const names = rows.map((row) => terminalText(row.name));
  const width = Math.min(
    48,
    names.reduce((max, name) => Math.max(max, name.length), 0),
  );
  const lines = rows.map((row, index) => {
    const status =
      row.status === 'created'
        ? `created  id ${terminalText(row.id ?? '?')}${row.recordedBy === 'adopt' ? ' (adopted)' : ''}`
        : 'UNKNOWN  (pending: run `segsync state resolve`)';
    return `${(names[index] ?? '').padEnd(width)}  ${status}  ${terminalText(row.at)}  ${terminalText(row.source)}`;
  });
  const pending = rows.filter((row) => row.status === 'pending').length;
  return `${lines.join('\n')}\n\n${rows.length} recorded, ${pending} with an unknown outcome.`;
}
