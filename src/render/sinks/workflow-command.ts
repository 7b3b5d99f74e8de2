// The GitHub Actions workflow-command sink (`--format github`). The runner unescapes `%25`,
// `%0D`, `%0A` in data and additionally `%3A`, `%2C` in properties (actions/runner,
// ActionCommand.UnescapeData / UnescapeProperty); these escapers are their exact inverse, so an
// annotation always parses back to the text it was made from, and no `::` of ours can be faked.
import { showInvisibleExceptLineBreaks } from './invisible.js';

/** The data part (after the second `::`): no CR/LF can end the command early. */
export function escapeWorkflowData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property value: additionally no `:` (would end the properties) or `,` (next property). */
export function escapeWorkflowProperty(text: string): string {
  return escapeWorkflowData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * Untrusted text for the data part: escaped so it parses back to itself, except that controls
 * other than line breaks and tabs, bidi and zero-width characters are shown as visible escapes
 * (the log viewer renders ANSI sequences; an annotation should not hide or reorder text).
 */
export function workflowCommandData(text: string): string {
  return escapeWorkflowData(showInvisibleExceptLineBreaks(text));
}

/** Untrusted text for a property value (a file path, a title). */
export function workflowCommandProperty(text: string): string {
  return escapeWorkflowProperty(showInvisibleExceptLineBreaks(text));
}

/**
 * `::command key=value,…::data`. `data` is already escaped (it may join several untrusted parts
 * with segsync's own line breaks); property values are escaped here.
 */
export function formatWorkflowCommand(
  command: 'error' | 'warning' | 'notice',
  properties: ReadonlyArray<readonly [string, string | number]>,
  escapedData: string,
): string {
  const list = properties
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'number' ? value : workflowCommandProperty(value)}`,
    )
    .join(',');
  return `::${command}${list ? ` ${list}` : ''}::${escapedData}`;
}
