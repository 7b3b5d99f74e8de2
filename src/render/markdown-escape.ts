// Escaping for text we do not control (segment names, server messages) inside Markdown: the PR
// comment and the job summaries must render it literally, never as formatting or HTML.

/** Text for a table cell: no pipes or newlines can break the table. */
export function markdownCell(text: string): string {
  return markdownInline(text).replace(/\|/g, '\\|');
}

/**
 * Neutralise Markdown/HTML in text (segment names, server messages) for inline use. Our own
 * messages put commands in `code spans`; those are kept as code, everything else is escaped.
 */
export function markdownInline(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .split(/(`[^`]+`)/)
    .map((part, index) => (index % 2 === 1 ? part : escapeMarkdown(part)))
    .join('');
}

function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]])/g, '\\$1');
}
