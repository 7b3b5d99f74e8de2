// Renders an apply's result: the per-segment report for people, and the Markdown step summary.
import type { ApplyResult } from '../apply/result.js';
import type { SegmentResult } from '../core/model.js';
import { plural } from './diagnostics.js';
import { markdownCell, markdownCode, markdownText } from './sinks/markdown.js';
import { terminalText } from './sinks/terminal.js';
import { styleFor } from './style.js';

export function summarizeApply(result: ApplyResult): string {
  const s = result.summary;
  const parts = [
    `${s.created} created`,
    `${s.failed} failed`,
    `${s.unknown} unknown`,
    `${s.notAttempted} not attempted`,
  ];
  const env = result.environment ? ` [${terminalText(result.environment)}]` : '';
  const seconds = `${(result.durationMs / 1000).toFixed(1)} s`;
  const c = result.concurrency;
  const timing = c ? `${seconds}, at most ${c.maxInFlight} of ${c.limit} in flight` : seconds;
  return `Apply${env}: ${parts.join(', ')} of ${plural(s.planned, 'planned segment')} (${timing})`;
}

const order: Record<SegmentResult['result'], number> = {
  unknown: 0,
  failed: 1,
  'not-attempted': 2,
  created: 3,
};

/** The unknown outcomes of earlier runs that keep apply at exit 3 (or '' when there are none). */
export function describeUnsettled(names: readonly string[]): string {
  if (names.length === 0) return '';
  const listed = names
    .slice(0, 10)
    .map((name) => JSON.stringify(name))
    .join(', ');
  const more = names.length > 10 ? `, and ${names.length - 10} more` : '';
  return (
    `${names.length} unknown outcome(s) still need settling (${listed}${more}): apply does not ` +
    'send them again and exits 3 until they are settled with `segsync state resolve` (the plan above names the commands).'
  );
}

export function renderApplyText(result: ApplyResult, options: { color?: boolean } = {}): string {
  const style = styleFor(options.color ?? false);
  const lines = ['', style.bold(summarizeApply(result))];
  if (result.stop) lines.push(style.red(`Stopped: ${terminalText(result.stop.message)}`));
  if (result.unsettled) lines.push(style.yellow(terminalText(describeUnsettled(result.unsettled))));
  const sorted = [...result.results].sort((a, b) => order[a.result] - order[b.result]);
  for (const item of sorted) {
    // Names, ids and server messages: untrusted, through the terminal sink.
    const name = terminalText(item.name);
    const message = terminalText(item.message ?? '');
    switch (item.result) {
      case 'created':
        lines.push(
          `  ${style.green('✔ created')}        ${name} ${style.dim(`(id ${terminalText(item.id ?? '?')})`)}`,
        );
        break;
      case 'failed':
        lines.push(`  ${style.red('✖ failed')}         ${name}: ${message}`);
        break;
      case 'unknown':
        lines.push(
          `  ${style.red('? unknown')}        ${name}: ${message}`,
          style.dim(
            `      → check the Wati dashboard, then: segsync state resolve ${terminalText(JSON.stringify(item.name))} --id <id>  (or --absent)`,
          ),
        );
        break;
      case 'not-attempted':
        lines.push(`  ${style.yellow('- not attempted')}  ${name}: ${message}`);
        break;
    }
  }
  return lines.join('\n');
}

export function renderApplyMarkdown(result: ApplyResult): string {
  const icon = result.exitCode === 0 ? '✅' : '⚠️';
  const rows = result.results
    .filter((r) => r.result !== 'created')
    .slice(0, 200)
    .map((r) => `| ${markdownCell(r.name)} | ${r.result} | ${markdownCell(r.message ?? '')} |`);
  const created = result.results.filter((r) => r.result === 'created').length;
  return [
    `### ${icon} segsync apply${result.environment ? ` — ${markdownCode(result.environment)}` : ''}`,
    '',
    `**${markdownText(summarizeApply(result))}**`,
    result.stop ? `\nStopped: ${markdownText(result.stop.message)}` : '',
    result.unsettled ? `\n${markdownText(describeUnsettled(result.unsettled))}` : '',
    rows.length > 0 ? `\n| Segment | Result | Why |\n|---|---|---|\n${rows.join('\n')}` : '',
    created > 0 ? `\n${plural(created, 'segment')} created; ids are in the state file.` : '',
    `\n<sub>Plan checksum \`${result.planChecksum}\`</sub>`,
  ]
    .filter(Boolean)
    .join('\n');
}
