// The Markdown sink: the PR comment, the job summaries, the apply report. GitHub renders HTML in
// Markdown, links `#12` and `owner/repo#12`, notifies `@user` and `@org/team`, autolinks bare URLs
// and e-mail addresses, and strikes `~~text~~` through. It finds mentions and references in the
// rendered text, so a backslash (`\@name`) or an entity (`&#64;name`) still notifies; a
// zero-width space between the sign and the name does not, and neither does a code span.
// The output is also printed to the CI log, so invisible characters are shown as escapes first.
import { breakRunnerCommands, showInvisible } from './invisible.js';

/** Rendered as U+200B by GitHub: breaks a mention, reference or autolink without showing. */
const BREAK = '&#8203;';

/**
 * Untrusted text for inline use. segsync's own messages put commands and keys in `code spans`;
 * those stay code spans (nothing inside one renders or notifies), everything else is escaped.
 */
export function markdownText(text: string): string {
  return showInvisible(text.replace(/[\r\n]+/g, ' '))
    .split(/(`[^`]+`)/)
    .map((part, index) => (index % 2 === 1 ? breakRunnerCommands(part) : escapeMarkdown(part)))
    .join('');
}

/** Text for a table cell: no pipe can end the cell early. */
export function markdownCell(text: string): string {
  return markdownText(text).replace(/\|/g, '\\|');
}

/** Untrusted text shown as code (a file path, an id): a span fenced longer than any run inside. */
export function markdownCode(text: string): string {
  const visible = breakRunnerCommands(showInvisible(text.replace(/[\r\n]+/g, ' ')));
  const longestRun = (visible.match(/`+/g) ?? []).reduce(
    (max, run) => Math.max(max, run.length),
    0,
  );
  const ticks = '`'.repeat(longestRun + 1);
  // A span that starts or ends with a backtick needs a space inside its fence.
  const pad = visible.startsWith('`') || visible.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${visible}${pad}${ticks}`;
}

function escapeMarkdown(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/([\\`*_[\]~$])/g, '\\$1')
      // Mentions, issue references (#12, owner/repo#12, GH-12), e-mail autolinks.
      .replace(/([@#])/g, `$1${BREAK}`)
      .replace(/(GH)-/gi, `$1${BREAK}-`)
      // Bare URLs: `scheme://` and `www.` are what GitHub's autolinker looks for.
      .replace(/:\/\//g, `:${BREAK}//`)
      .replace(/(www)\./gi, `$1${BREAK}.`)
  );
}
