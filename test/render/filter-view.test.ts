// The filter a reviewer approves: every group and condition of each create, values as sent,
// contact IDs masked unless asked, likely renames, and a plan made while an apply runs — in each
// plan format. Snapshots hold the exact output; the assertions state what must hold regardless.

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { Plan, WatiPayload } from '../../src/core/model.js';
import { computePlan } from '../../src/plan/compute.js';
import { renderAnnotations } from '../../src/render/github.js';
import { renderPlanJson } from '../../src/render/json.js';
import { renderPlanMarkdown } from '../../src/render/markdown.js';
import { summarizePlan } from '../../src/render/plan-summary.js';
import { renderPlanText } from '../../src/render/text.js';
import { created, definition, pending, stateOf } from '../helpers/builders.js';

const SECRET_CONTACT = '4915112345678';
// Control characters other than line feed, DEL, C1 and bidi overrides: none may reach a sink.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE_CHARACTER = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/u;

const regional: WatiPayload = {
  name: 'Regional buyers',
  refreshType: 2,
  groups: [
    {
      conditions: [
        { attribute: 'country', operator: '==', value: 'India' },
        { attribute: 'orders', operator: '>=', value: 10 },
      ],
    },
    { conditions: [{ attribute: 'vip', operator: '==', value: true }] },
  ],
  useUploadedContact: true,
};

const tricky: WatiPayload = {
  name: 'Tricky text',
  refreshType: 2,
  groups: [
    {
      conditions: [
        { attribute: 'postcode', operator: '==', value: '01067' },
        { attribute: 'note', operator: '==', value: 'a | b <script>x</script> @team *bold*' },
        { attribute: 'two words', operator: 'not in', value: 'line\nbreak \u001b[31mred\u009b2J' },
        { attribute: 'bidi', operator: '==', value: 'abc\u202edef' },
      ],
    },
  ],
};

const vip: WatiPayload = {
  name: 'VIP Customers',
  refreshType: 1,
  contactIds: [SECRET_CONTACT, '4915199999999'],
};

/** 3 groups of 4 conditions: more lines than fit unfolded. */
const long: WatiPayload = {
  name: 'Long filter',
  refreshType: 2,
  groups: [1, 2, 3].map((g) => ({
    conditions: [1, 2, 3, 4].map((c) => ({
      attribute: `attr${g}${c}`,
      operator: '==',
      value: g * 10 + c,
    })),
  })),
};

/** The renamed definition: same payload as the recorded "Regional buyers (old)". */
const renamedOld: WatiPayload = { ...regional, name: 'Regional buyers (old)' };

function filterPlan(): Plan {
  return computePlan({
    segments: [definition(regional), definition(tricky), definition(vip), definition(long)],
    validationDiagnostics: [],
    state: stateOf(created(renamedOld, 'seg-old')),
  });
}

describe('each create shows its filter', () => {
  it('in text: every group and condition, values in their JSON form', () => {
    const text = renderPlanText(filterPlan());
    expect(text).toContain('      group 1\n        country == "India"\n        orders >= 10\n');
    expect(text).toContain('      group 2\n        vip == true\n      useUploadedContact: true\n');
    expect(text).toContain('        postcode == "01067"');
    // No word on how groups or conditions combine: Wati does not document it.
    const filterLines = text.split('\n').filter((l) => /^ {6}/.test(l) && !l.includes('⚠'));
    expect(filterLines.length).toBeGreaterThan(20);
    for (const line of filterLines) expect(line).not.toMatch(/\b(and|or|all|any)\b/i);
    expect(text).toMatchSnapshot();
  });

  it('in text: unsafe characters are made visible, never sent to the terminal', () => {
    const text = renderPlanText(filterPlan());
    expect(text).not.toMatch(UNSAFE_CHARACTER);
    expect(text).toContain('"two words" "not in" "line\\nbreak \\u001b[31mred\\u009b2J"');
    expect(text).toContain('bidi == "abc\\u202edef"');
    // The escapes are JSON: read back, they are exactly the value that is sent.
    expect(JSON.parse('"abc\\u202edef"')).toBe(tricky.groups?.[0]?.conditions[3]?.value);
  });

  it('in markdown: inside the table, escaped, long filters folded into <details>', () => {
    const markdown = renderPlanMarkdown(filterPlan());
    expect(markdown).toContain(
      '| Regional buyers | dynamic, 2 groups, 3 conditions, uploaded contacts<br>group 1<br>• country == "India"<br>• orders &gt;= 10<br>group 2<br>• vip == true<br>useUploadedContact: true',
    );
    expect(markdown).toContain('a \\| b &lt;script&gt;x&lt;/script&gt; @&#8203;team \\*bold\\*');
    expect(markdown).not.toContain('<script>');
    expect(markdown).not.toMatch(UNSAFE_CHARACTER);
    expect(markdown).toMatch(
      /\| Long filter \| <details><summary>dynamic, 3 groups, 12 conditions<\/summary>group 1<br>• attr11 == 11<br>/,
    );
    // Every table row keeps its three cells: no value can add or remove a column.
    for (const row of markdown.split('\n').filter((line) => line.startsWith('| '))) {
      expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(5);
    }
    expect(markdown).toMatchSnapshot();
  });
});

describe('contact IDs', () => {
  it('are a count unless --show-contact-ids, in text and markdown alike', () => {
    const plan = filterPlan();
    for (const output of [renderPlanText(plan), renderPlanMarkdown(plan)]) {
      expect(output).not.toContain(SECRET_CONTACT);
      expect(output).toContain('contact IDs: 2, values masked (--show-contact-ids lists them)');
    }
    const shown = [
      renderPlanText(plan, { showContactIds: true }),
      renderPlanMarkdown(plan, { showContactIds: true }),
    ];
    for (const output of shown) {
      expect(output).toContain(`contact IDs (2): "${SECRET_CONTACT}", "4915199999999"`);
    }
    expect(shown).toMatchSnapshot();
  });
});

describe('a create that looks like a rename', () => {
  it('is marked in the plan data (json: renameOf), only on the create that matches', () => {
    const plan = filterPlan();
    const renames = plan.actions.flatMap((a) =>
      a.action === 'create' && a.renameOf !== undefined ? [[a.name, a.renameOf]] : [],
    );
    expect(renames).toEqual([['Regional buyers', 'Regional buyers (old)']]);
    const json: unknown = JSON.parse(renderPlanJson(plan));
    const schema = JSON.parse(
      readFileSync(new URL('../../schemas/plan.schema.json', import.meta.url), 'utf8'),
    ) as object;
    const validatePlan = new Ajv2020({ allErrors: true }).compile(schema);
    expect(validatePlan(json), JSON.stringify(validatePlan.errors)).toBe(true);
    expect(renderPlanJson(plan)).toContain('"renameOf": "Regional buyers (old)"');
    expect(renderPlanJson(plan)).toMatchSnapshot();
  });

  it('is not a rename when anything but the name differs', () => {
    const plan = computePlan({
      segments: [definition({ ...regional, useUploadedContact: undefined })],
      validationDiagnostics: [],
      state: stateOf(created(renamedOld, 'seg-old')),
    });
    const plain = { ...regional };
    delete plain.useUploadedContact;
    const other = computePlan({
      segments: [definition(plain)],
      validationDiagnostics: [],
      state: stateOf(created(renamedOld, 'seg-old')),
    });
    for (const p of [plan, other]) {
      expect(p.actions.every((a) => a.action !== 'create' || a.renameOf === undefined)).toBe(true);
    }
  });

  it('says so next to the create in text and markdown, and as a warning in every format', () => {
    const plan = filterPlan();
    const sentence =
      'looks like a rename of "Regional buyers (old)": this creates a new segment and "Regional buyers (old)" stays active in Wati; delete "Regional buyers (old)" in the dashboard, then `segsync state forget "Regional buyers (old)"`';
    const text = renderPlanText(plan);
    expect(text).toContain(`useUploadedContact: true\n      ⚠ ${sentence}\n`);
    expect(renderPlanMarkdown(plan)).toContain(
      '<br>⚠️ looks like a rename of "Regional buyers (old)": this creates a new segment',
    );
    const github = renderAnnotations(plan.diagnostics, summarizePlan(plan));
    expect(github).toContain(
      '::warning file=segments/regional-buyers.yaml,line=2,col=7,title=segsync%3A possible-rename::Segment "Regional buyers" looks like a rename',
    );
    expect(github).toMatchSnapshot();
  });
});

describe('a plan made while an apply holds the state lock', () => {
  const holder = {
    pid: 4242,
    hostname: 'ci-runner-7',
    startedAt: '2026-11-01T10:00:00.000Z',
    command: 'apply',
  };
  const planWhileApplying = (inProgress?: typeof holder) =>
    computePlan({
      segments: [definition(vip)],
      validationDiagnostics: [],
      state: stateOf(pending(vip)),
      options: inProgress ? { inProgress } : {},
    });

  it('says an apply is in progress and gives no resolve advice for its pending entries', () => {
    const plan = planWhileApplying(holder);
    expect(plan.inProgress).toEqual(holder);
    const text = renderPlanText(plan);
    expect(text.split('\n')[1]).toBe(
      '⚠ An apply is in progress (pid 4242 on ci-runner-7, since 2026-11-01T10:00:00.000Z): its pending creates are in flight; plan again when it has finished.',
    );
    expect(text).toContain('? VIP Customers: being created by the run in progress');
    for (const output of [
      text,
      renderPlanMarkdown(plan),
      renderPlanJson(plan),
      renderAnnotations(plan.diagnostics, summarizePlan(plan)),
    ]) {
      expect(output).not.toContain('state resolve');
      expect(output).toContain('pid 4242 on ci-runner-7');
    }
    expect(plan.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual([
      'warning apply-in-progress',
      'error create-in-progress',
    ]);
    expect(plan.blocked).toBe(true);
    expect(renderPlanMarkdown(plan)).toMatchSnapshot();
  });

  it('without a live holder, still advises resolving the unknown outcome', () => {
    const text = renderPlanText(planWhileApplying());
    expect(text).toContain('state resolve "VIP Customers" --absent');
    expect(text).not.toContain('in progress');
  });
});

describe('the PR comment with many long filters', () => {
  it('stays inside its size budget, with the truncation note', () => {
    const many = Array.from({ length: 400 }, (_, i) => definition({ ...long, name: `Long ${i}` }));
    const plan = computePlan({ segments: many, validationDiagnostics: [], state: stateOf() });
    const markdown = renderPlanMarkdown(plan, { maxLength: 20_000 });
    expect(markdown.length).toBeLessThanOrEqual(20_000);
    expect(markdown).toContain('**Truncated**');
    expect(markdown).toMatch(/_… \d+ segments more not shown\._/);
    // Every row shown is whole: its <details> is closed in the same row.
    const rows = markdown.split('\n').filter((line) => line.startsWith('| Long '));
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) expect(row).toMatch(/<details>.*<\/details> \| `segments\//);
  });
});
