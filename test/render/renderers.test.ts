import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/core/model.js';
import { computePlan } from '../../src/plan/compute.js';
import { renderAnnotation, renderAnnotations } from '../../src/render/github.js';
import { renderPlanJson } from '../../src/render/json.js';
import { PLAN_COMMENT_MARKER, renderPlanMarkdown } from '../../src/render/markdown.js';
import { renderPlanText } from '../../src/render/text.js';
import { renderValidationText } from '../../src/render/validation-text.js';
import {
  created,
  definition,
  dynamicPayload,
  pending,
  staticPayload,
  stateOf,
} from '../helpers/builders.js';

const SECRET_CONTACT = '4915112345678';

/** A plan with every kind of action and diagnostic. */
function mixedPlan(): Plan {
  return computePlan({
    segments: [
      definition(staticPayload('VIP Customers', [SECRET_CONTACT, '4915199999999']), { line: 3 }),
      definition(dynamicPayload('Customers from India')),
      definition(staticPayload('Changed list', [SECRET_CONTACT, '4915100000001']), { line: 4 }),
      definition(staticPayload('Pipe | name')),
      definition(staticPayload('Unknown one')),
    ],
    validationDiagnostics: [
      {
        severity: 'warning',
        code: 'duplicate-contact-id',
        message: 'Contact ID "111" is listed twice.',
        file: 'segments/vip.yaml',
        line: 7,
        column: 5,
        segment: 'VIP Customers',
      },
    ],
    state: stateOf(
      created(dynamicPayload('Customers from India'), 'seg-india'),
      created(staticPayload('Changed list', [SECRET_CONTACT]), 'seg-changed'),
      created(staticPayload('Removed one', ['333']), 'seg-removed'),
      pending(staticPayload('Unknown one')),
    ),
    options: { segmentLimit: 5 },
  });
}

describe('text renderer', () => {
  it('starts with the summary line and lists each segment', () => {
    const text = renderPlanText(mixedPlan());
    expect(text.split('\n')[0]).toBe(
      'Plan: 2 to create, 1 unchanged, 1 changed, 1 removed, 1 unknown',
    );
    expect(text).toMatchSnapshot();
  });

  it('colours only when asked', () => {
    expect(renderPlanText(mixedPlan())).not.toContain('\u001b[');
    expect(renderPlanText(mixedPlan(), { color: true })).toContain('\u001b[32m+');
  });

  it('renders a validation report', () => {
    const ok = renderValidationText({ segments: 3, files: 2, diagnostics: [] });
    expect(ok).toBe('✔ 3 segments in 2 files: valid');
    const bad = renderValidationText({
      segments: 0,
      files: 1,
      diagnostics: [
        {
          severity: 'error',
          code: 'wrong-type',
          message: 'Broken.',
          file: 'a.yaml',
          line: 2,
          column: 3,
          hint: 'Fix it.',
        },
      ],
    });
    expect(bad).toBe('a.yaml:2:3: error: Broken.\n  → Fix it.\n\n✖ 1 error in 1 file');
  });
});

describe('markdown renderer (the PR comment)', () => {
  it('starts with the hidden marker, then the summary, and shows the checksum', () => {
    const plan = mixedPlan();
    const markdown = renderPlanMarkdown(plan);
    const lines = markdown.split('\n');
    expect(lines[0]).toBe(PLAN_COMMENT_MARKER);
    expect(markdown).toContain(
      '**Plan: 2 to create, 1 unchanged, 1 changed, 1 removed, 1 unknown**',
    );
    expect(markdown).toContain(plan.checksum);
    expect(markdown).toMatchSnapshot();
  });

  it('masks contact IDs unless asked, in tables and diffs alike', () => {
    const masked = renderPlanMarkdown(mixedPlan());
    expect(masked).not.toContain(SECRET_CONTACT);
    expect(masked).toContain('Contact IDs: 1 added, 0 removed (values masked).');
    const shown = renderPlanMarkdown(mixedPlan(), { showContactIds: true });
    expect(shown).toContain(SECRET_CONTACT);
  });

  it('escapes names so a pipe cannot break the table', () => {
    expect(renderPlanMarkdown(mixedPlan())).toContain('| Pipe \\| name |');
  });

  it('stays under the limit and says it was truncated', () => {
    const many = Array.from({ length: 3000 }, (_, i) =>
      definition(staticPayload(`Segment number ${i}`)),
    );
    const plan = computePlan({ segments: many, validationDiagnostics: [], state: stateOf() });
    const markdown = renderPlanMarkdown(plan, { maxLength: 60_000 });
    expect(markdown.length).toBeLessThanOrEqual(60_000);
    expect(markdown).toMatch(/_… \d+ segments more not shown\._/);
    expect(markdown).toContain('**Truncated**');
    const untruncated = renderPlanMarkdown(
      computePlan({ segments: many.slice(0, 5), validationDiagnostics: [], state: stateOf() }),
    );
    expect(untruncated).not.toContain('Truncated');
  });
});

describe('github annotations', () => {
  it('annotates every diagnostic with file, line and column, escaping workflow-command syntax', () => {
    const annotation = renderAnnotation({
      severity: 'error',
      code: 'unknown-key',
      message: 'Unknown key "nmae" at 100%,\nsee docs',
      file: 'segments/a,b:c.yaml',
      line: 3,
      column: 5,
    });
    expect(annotation).toBe(
      '::error file=segments/a%2Cb%3Ac.yaml,line=3,col=5,title=segsync%3A unknown-key::Unknown key "nmae" at 100%25,%0Asee docs',
    );
  });

  it('ends with a notice summarising the plan', () => {
    const output = renderAnnotations(mixedPlan().diagnostics, 'Plan: x');
    const lines = output.split('\n');
    expect(lines.at(-1)).toBe('::notice title=segsync::Plan: x');
    const errors = lines
      .filter((l) => l.startsWith('::error'))
      .map((l) => /segsync%3A ([a-z-]+)/.exec(l)?.[1]);
    expect(errors).toEqual(['changed', 'quota-exceeded']);
    // An unknown outcome blocks only itself: a warning on its definition.
    const warnings = lines
      .filter((l) => l.startsWith('::warning'))
      .map((l) => /segsync%3A ([a-z-]+)/.exec(l)?.[1]);
    expect(warnings).toEqual(['duplicate-contact-id', 'removed', 'unknown-outcome']);
  });
});

describe('json renderer', () => {
  it('is valid against schemas/plan.schema.json', () => {
    const schema = JSON.parse(
      readFileSync(new URL('../../schemas/plan.schema.json', import.meta.url), 'utf8'),
    ) as object;
    const validatePlan = new Ajv2020({ allErrors: true }).compile(schema);
    const parsed: unknown = JSON.parse(renderPlanJson(mixedPlan()));
    expect(validatePlan(parsed), JSON.stringify(validatePlan.errors)).toBe(true);
    expect(validatePlan({ ...(parsed as object), formatVersion: 2 })).toBe(false);
  });
});
