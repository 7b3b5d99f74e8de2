// Every sink, fed hostile text: names, keys, values, file names, server ids and server messages
// made of controls, bidi and zero-width characters, lone surrogates, line breaks, `::`, `##[`,
// `@`, `#`, `<`, backticks and URLs go through every renderer, and the output is checked the way
// its reader would read it: a terminal, the GitHub Actions runner, GitHub's Markdown.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProgressReporter } from '../../src/render/apply-progress.js';
import { buildApplyResult } from '../../src/apply/result.js';
import { UserError } from '../../src/core/errors.js';
import type { Diagnostic, Plan, SegmentResult } from '../../src/core/model.js';
import { computePlan } from '../../src/plan/compute.js';
import { renderApplyMarkdown, renderApplyText } from '../../src/render/apply-report.js';
import { renderAnnotations } from '../../src/render/github.js';
import { renderCodeQuality } from '../../src/render/gitlab.js';
import { renderPlanJson, renderValidationJson } from '../../src/render/json.js';
import { renderPlanMarkdown } from '../../src/render/markdown.js';
import { renderPlanText } from '../../src/render/text.js';
import { renderValidationText } from '../../src/render/validation-text.js';
import { formatFatal } from '../../src/program/report-error.js';
import { created, definition, pending, staticPayload, stateOf } from '../helpers/builders.js';

// ---------------------------------------------------------------------------------------------
// Hostile text.

const hostilePieces = [
  '\u001b[2J',
  '\u001b]0;pwned\u0007',
  '\u009b31m',
  '\u0000',
  '\u007f',
  '\r',
  '\n',
  '\r\n',
  '\t',
  '\u202e',
  '\u2066',
  '\u2069',
  '\u200b',
  '\u200e',
  '\u200f',
  '\u061c',
  '\u00ad',
  '\u180e',
  '\ufeff',
  '\u2028',
  '\ud800',
  '\udfff',
  '::',
  '::add-mask::secret',
  '::stop-commands::token',
  '::error file=x,line=1::PWNED',
  '##[add-mask]x',
  ' ',
  '\u00a0',
  ':',
  ',',
  '%',
  '%0A',
  '%25',
  '@octocat',
  '@org/team',
  '#1',
  'owner/repo#12',
  'GH-7',
  '<img src=x onerror=alert(1)>',
  '<!--',
  '-->',
  '`',
  '``',
  '~~',
  '|',
  '\\',
  '&#64;',
  'https://example.com',
  'www.example.com',
  'a@b.co',
  '$x$',
  '*',
  '_',
  '[x](y)',
  'é',
  '😀',
  '"',
];

/** Strings made of hostile pieces and arbitrary UTF-16 (lone surrogates included). */
const hostile = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...hostilePieces) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 6 }) },
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((pieces) => pieces.join(''));

const runs = { numRuns: 150 };

// ---------------------------------------------------------------------------------------------
// How each reader reads the output (independent of the code under test).

/** C0 (but the line feed that ends our lines), DEL, C1, bidi marks and controls, line separators, lone surrogates. */
const RAW_UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]/u;

/** .NET `TrimStart()` whitespace, which the runner strips before looking for `::`. */
const DOTNET_LEADING_SPACE = /^[\s\u0085\u180e]*/u;

function lines(output: string): string[] {
  // The runner reads lines with .NET's ReadLine: \n, \r\n and a lone \r all end a line.
  return output.split(/\r\n|\r|\n/);
}

function expectSafeForTerminalAndRunner(output: string): void {
  expect(output).not.toMatch(RAW_UNSAFE);
  for (const line of lines(output)) {
    expect(line.replace(DOTNET_LEADING_SPACE, '')).not.toMatch(/^::/);
    // The older form the runner finds anywhere in a line (ActionCommand.TryParse).
    expect(line).not.toContain('##[');
  }
}

/** actions/runner ActionCommand.TryParseV2 for one line: command, properties, data. */
function parseWorkflowCommand(
  line: string,
): { command: string; properties: Record<string, string>; data: string } | undefined {
  const message = line.replace(DOTNET_LEADING_SPACE, '');
  if (!message.startsWith('::')) return undefined;
  const end = message.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = message.slice(2, end);
  const space = info.indexOf(' ');
  const command = space < 0 ? info : info.slice(0, space);
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const property of info
      .slice(space + 1)
      .trim()
      .split(',')
      .filter(Boolean)) {
      const at = property.indexOf('=');
      if (at <= 0 || at === property.length - 1) continue;
      properties[property.slice(0, at)] = unescape(property.slice(at + 1), true);
    }
  }
  return { command, properties, data: unescape(message.slice(end + 2), false) };
}

function unescape(text: string, property: boolean): string {
  let result = text.split('%0D').join('\r').split('%0A').join('\n');
  if (property) result = result.split('%3A').join(':').split('%2C').join(',');
  return result.split('%25').join('%');
}

/** Characters that the github sink shows as escapes instead of passing through. */
const SHOWN_AS_ESCAPES =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b-\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff]/u;

/** The Markdown text outside code spans and fenced blocks, backslash escapes removed. */
function markdownOutsideCode(markdown: string): string {
  const withoutFences = markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, '');
  let outside = '';
  let index = 0;
  while (index < withoutFences.length) {
    const char = withoutFences[index]!;
    if (char === '\\' && index + 1 < withoutFences.length) {
      outside += ' ';
      index += 2;
      continue;
    }
    if (char === '`') {
      const run = /^`+/.exec(withoutFences.slice(index))![0];
      const close = new RegExp(`(?<!\`)${run}(?!\`)`).exec(withoutFences.slice(index + run.length));
      if (close) {
        index += run.length + close.index + run.length;
        outside += ' ';
        continue;
      }
      outside += run;
      index += run.length;
      continue;
    }
    outside += char;
    index++;
  }
  return outside;
}

const OWN_TAGS = /<!-- segsync:plan[^>]*-->|<\/?(details|summary|sub)( open)?>|<br>/g;

function expectNothingLiveInMarkdown(markdown: string): void {
  const source = markdownOutsideCode(markdown.replace(OWN_TAGS, ' '));
  expect(source).not.toContain('<'); // HTML
  // What GitHub looks for mentions and references in: the rendered text.
  const text = source
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&(amp|lt|gt);/g, ' ');
  expect(text).not.toMatch(/@[\p{L}\p{N}_-]/u); // a mention (or an e-mail autolink)
  expect(text).not.toMatch(/#\p{N}/u); // an issue reference
  expect(text).not.toMatch(/GH-\p{N}/iu);
  expect(text).not.toMatch(/:\/\/|www\./i); // a bare URL
  expect(text).not.toContain('~~'); // strikethrough
}

// ---------------------------------------------------------------------------------------------
// Plans, results and errors made of hostile text.

interface HostileInput {
  name: string;
  otherName: string;
  file: string;
  id: string;
  contactId: string;
  message: string;
  hint: string;
}

const hostileInput: fc.Arbitrary<HostileInput> = fc.record({
  name: hostile,
  otherName: hostile,
  file: hostile,
  id: hostile,
  contactId: hostile,
  message: hostile,
  hint: hostile,
});

function hostilePlan(input: HostileInput): Plan {
  const create = `${input.name} create`;
  const changed = `${input.name} changed`;
  const unknown = `${input.otherName} unknown`;
  const diagnostics: Diagnostic[] = [
    {
      severity: 'error',
      code: 'unknown-key',
      message: input.message,
      hint: input.hint,
      file: input.file,
      line: 3,
      column: 5,
    },
    { severity: 'warning', code: 'quota-exceeded', message: input.hint },
  ];
  return computePlan({
    segments: [
      definition(staticPayload(input.name, [input.contactId]), { file: input.file }),
      definition(staticPayload(create, [input.contactId]), { file: input.file }),
      definition(staticPayload(changed, [input.contactId, 'x']), { file: input.file }),
      definition(staticPayload(unknown), { file: input.file }),
      // Same contents as a recorded segment that lost its definition: a rename.
      definition(staticPayload(`${input.name} renamed`, ['r1', 'r2']), { file: input.file }),
    ],
    validationDiagnostics: diagnostics,
    state: stateOf(
      created(staticPayload(input.name, [input.contactId]), input.id),
      created(staticPayload(changed, [input.contactId]), input.id),
      created(staticPayload(input.otherName), input.id),
      pending(staticPayload(unknown)),
      created(staticPayload(`${input.otherName} old`, ['r1', 'r2']), input.id),
    ),
    options: {
      allowChanged: true,
      environment: input.otherName,
      // An apply in progress, as its lock file (written by anyone) describes it.
      inProgress: {
        pid: 7,
        hostname: input.otherName,
        startedAt: input.hint,
        command: input.message,
      },
    },
  });
}

function hostileResults(input: HostileInput): SegmentResult[] {
  return [
    { name: input.name, result: 'created', id: input.id },
    { name: input.otherName, result: 'failed', message: input.message },
    { name: `${input.name}?`, result: 'unknown', message: input.hint },
    { name: `${input.name}-`, result: 'not-attempted', message: input.message },
  ];
}

function hostileApplyResult(input: HostileInput) {
  return buildApplyResult({
    report: {
      results: hostileResults(input),
      stop: { reason: 'limit-reached', message: input.message },
    },
    endpoint: 'https://live-mt-server.wati.io/123456',
    environment: input.otherName,
    planChecksum: 'sha256:0',
    stateFile: 'segsync.state.json',
    startedAt: new Date(0),
    finishedAt: new Date(1000),
  });
}

// ---------------------------------------------------------------------------------------------

describe('text output (terminal, CI log)', () => {
  it('plan text: no raw control, bidi or surrogate, no line a workflow command', () => {
    fc.assert(
      fc.property(hostileInput, (input) => {
        const plan = hostilePlan(input);
        const rename = plan.actions.find(
          (action) => action.action === 'create' && action.renameOf !== undefined,
        );
        expect(rename?.action === 'create' && rename.renameOf).toBe(`${input.otherName} old`);
        expect(plan.inProgress?.hostname).toBe(input.otherName);
        expectSafeForTerminalAndRunner(
          renderPlanText(plan, { showUnchanged: true, showRemoved: true }),
        );
        expectSafeForTerminalAndRunner(renderPlanText(plan, { verdict: false }));
      }),
      runs,
    );
  });

  it('validation text, apply report, progress lines and errors: the same', () => {
    fc.assert(
      fc.property(hostileInput, (input) => {
        const diagnostics = hostilePlan(input).diagnostics;
        expectSafeForTerminalAndRunner(
          renderValidationText({ segments: 1, files: 1, diagnostics }),
        );
        expectSafeForTerminalAndRunner(renderApplyText(hostileApplyResult(input)));

        for (const live of [false, true]) {
          let progress = '';
          const reporter = new ProgressReporter(4, {
            live,
            write: (text) => (progress += text),
          });
          reporter.onEvent({
            type: 'stopping',
            stop: { reason: 'limit-reached', message: input.hint },
          });
          for (const result of hostileResults(input)) {
            reporter.onEvent({ type: 'finished', result });
            reporter.retrying({ name: result.name, attempt: 1, delayMs: 1500, reason: input.hint });
          }
          reporter.finish();
          // The live line's own `\r` + erase-line sequence is segsync's, not the input's.
          expectSafeForTerminalAndRunner(progress.split('\r\u001b[2K').join('\n'));
        }

        for (const verbose of [false, true]) {
          const error = new UserError(input.message, input.hint);
          expectSafeForTerminalAndRunner(formatFatal(error, verbose).message);
          const system = Object.assign(new Error('x'), { code: 'ENOENT', path: input.file });
          expectSafeForTerminalAndRunner(formatFatal(system, verbose).message);
          expectSafeForTerminalAndRunner(formatFatal(new Error(input.message), verbose).message);
        }
      }),
      runs,
    );
  });

  it("keeps segsync's own line breaks in an error readable, each line escaped on its own", () => {
    const error = new UserError(
      'The push was refused.\n::add-mask::x \u009b31m',
      'Allow the push.\nThen run again.',
    );
    const printed = lines(formatFatal(error, false).message);
    expect(printed[0]).toBe('segsync: error: The push was refused.');
    expect(printed[1]).not.toMatch(/^\s*::/);
    expect(printed[1]).toContain('add-mask');
    expect(printed[1]).not.toContain('\u009b');
    expect(printed[2]).toBe('  → Allow the push.');
    expect(printed[3]).toBe('Then run again.');
  });

  it('a newline in a file name never splits file:line:col', () => {
    fc.assert(
      fc.property(
        hostile.filter((file) => file !== ''),
        (file) => {
          const text = renderValidationText({
            segments: 0,
            files: 1,
            diagnostics: [
              { severity: 'error', code: 'wrong-type', message: 'm', file, line: 3, column: 5 },
            ],
          });
          expect(lines(text)[0]).toMatch(/:3:5: error: m$/);
        },
      ),
      runs,
    );
  });
});

describe('github format (workflow commands)', () => {
  it('every line is an annotation segsync means, and parses back to what it was made from', () => {
    fc.assert(
      fc.property(hostileInput, (input) => {
        const plan = hostilePlan(input);
        const output = renderAnnotations(plan.diagnostics, input.message);
        const outputLines = lines(output);
        expect(outputLines).toHaveLength(plan.diagnostics.length + 1);
        outputLines.forEach((line, index) => {
          const parsed = parseWorkflowCommand(line);
          const diagnostic = plan.diagnostics[index];
          if (!diagnostic) {
            expect(parsed).toMatchObject({ command: 'notice', properties: { title: 'segsync' } });
            expectParsedText(parsed!.data, input.message);
            return;
          }
          expect(parsed?.command).toBe(diagnostic.severity === 'error' ? 'error' : 'warning');
          expect(parsed!.properties.title).toBe(`segsync: ${diagnostic.code}`);
          if (diagnostic.file) {
            expectParsedText(parsed!.properties.file!, diagnostic.file);
            expect(parsed!.properties.line).toBe(diagnostic.line?.toString());
            expect(parsed!.properties.col).toBe(diagnostic.column?.toString());
          } else {
            expect(parsed!.properties.file).toBeUndefined();
          }
          const text = diagnostic.hint
            ? `${diagnostic.message}\n${diagnostic.hint}`
            : diagnostic.message;
          if (!SHOWN_AS_ESCAPES.test(text)) expect(parsed!.data).toBe(text);
          else expect(parsed!.data).not.toMatch(SHOWN_AS_ESCAPES);
        });
      }),
      runs,
    );
  });
});

/** Exactly the original, unless it held characters the sink shows as escapes. */
function expectParsedText(parsed: string, original: string): void {
  if (SHOWN_AS_ESCAPES.test(original)) expect(parsed).not.toMatch(SHOWN_AS_ESCAPES);
  else expect(parsed).toBe(original);
}

describe('markdown (PR comment, job summaries)', () => {
  it('no live mention, reference, URL, HTML or strikethrough, and safe in the CI log', () => {
    fc.assert(
      fc.property(hostileInput, fc.boolean(), (input, showContactIds) => {
        const plan = hostilePlan(input);
        for (const markdown of [
          renderPlanMarkdown(plan, { showContactIds }),
          renderPlanMarkdown(plan, { maxLength: 2_000 }),
          renderApplyMarkdown(hostileApplyResult(input)),
        ]) {
          expectNothingLiveInMarkdown(markdown);
          expectSafeForTerminalAndRunner(markdown);
        }
      }),
      runs,
    );
  });
});

describe('json', () => {
  it('parses back to exactly the data, and is as inert as text in a terminal or log', () => {
    fc.assert(
      fc.property(hostileInput, (input) => {
        const plan = hostilePlan(input);
        const json = renderPlanJson(plan);
        expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(plan)));
        expectSafeForTerminalAndRunner(json);
        const report = { segments: 1, files: 1, diagnostics: plan.diagnostics };
        expectSafeForTerminalAndRunner(renderValidationJson(report));
        const codeQuality = renderCodeQuality(plan.diagnostics, input.file);
        expectSafeForTerminalAndRunner(codeQuality);
        expect(
          (JSON.parse(codeQuality) as Array<{ description: string }>).map(
            (issue) => issue.description,
          ),
        ).toEqual(plan.diagnostics.map((d) => (d.hint ? `${d.message} ${d.hint}` : d.message)));
      }),
      runs,
    );
  });
});
