// The evaluate endpoint (Wati's v3 segment preview) over real HTTP on 127.0.0.1.
import { describe, expect, it } from 'vitest';
import { generateContacts } from '../../src/emulator/contact-generator.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { V3Contact } from '../../src/emulator/server.js';
import { createSegment, emulatorPerTest, evaluate, evaluateAll, staticSegment } from './support.js';

const start = emulatorPerTest({ seed: 1 });

function contact(index: number, params: Record<string, string>, name = `Person ${index}`) {
  return {
    id: index.toString(16).padStart(24, 'a'),
    wa_id: `9198765432${String(index).padStart(2, '0')}`,
    name,
    phone: `+9198765432${String(index).padStart(2, '0')}`,
    custom_params: Object.entries(params).map(([key, value]) => ({ name: key, value })),
  } satisfies V3Contact;
}

const PEOPLE = [
  contact(1, { country: 'India', plan: 'pro' }),
  contact(2, { country: 'Germany', plan: 'free' }),
  contact(3, { country: 'India', plan: 'free' }),
  contact(4, { country: 'india' }),
];

const india = [{ conditions: [{ attribute: 'country', operator: '==', value: 'India' }] }];
const page = (groups: unknown, page_number: unknown = 1, page_size: unknown = 100) => ({
  groups,
  page_number,
  page_size,
});

describe('the evaluate answer', () => {
  it('answers the matching contacts in v3 shape, in dataset order, without a total', async () => {
    const em = await start({ contacts: PEOPLE });
    const answer = await evaluate(em, page(india));

    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body).toEqual({
      contact_list: [PEOPLE[0], PEOPLE[2]],
      page_number: 1,
      page_size: 100,
    });
  });

  it('adds a total of all matching contacts with evaluateTotal', async () => {
    const em = await start({ contacts: PEOPLE, evaluateTotal: true });
    const answer = await evaluate(em, page(india, 1, 1));

    expect(answer.body).toEqual({
      contact_list: [PEOPLE[0]],
      page_number: 1,
      page_size: 1,
      total: 2,
    });
  });

  it.each([
    ['an empty groups list', { groups: [], page_number: 1, page_size: 10 }],
    ['no groups at all', { page_number: 1, page_size: 10 }],
  ])('answers an empty page for %s (documented)', async (_why, body) => {
    const em = await start({ contacts: PEOPLE });
    const answer = await evaluate(em, body);

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ contact_list: [], page_number: 1, page_size: 10 });
  });

  it('creates nothing and counts apart from creates', async () => {
    const em = await start({ contacts: PEOPLE });
    await evaluate(em, page(india));
    await evaluate(em, page(india, 0));
    await createSegment(em, staticSegment('A'));
    const snapshot = em.snapshot();

    expect(snapshot.segments.map((segment) => segment.name)).toEqual(['A']);
    expect(snapshot.evaluateRequests).toEqual({ total: 2, byStatus: { '200': 1, '400': 1 } });
    expect(snapshot.requests).toEqual({ total: 1, byStatus: { '200': 1 } });
    expect(snapshot.contacts).toBe(4);
    em.reset();
    expect(em.snapshot().evaluateRequests).toEqual({ total: 0, byStatus: {} });
  });
});

describe('paging', () => {
  const dataset = generateContacts(250, 3);
  const everyone = [{ conditions: [{ attribute: 'country', operator: 'exist', value: '' }] }];

  it.each([1, 7, 100])(
    'pages of %i cover every match once, the last one short',
    async (pageSize) => {
      const em = await start({ contacts: dataset });
      const { contacts, pages } = await evaluateAll(em, everyone, pageSize);

      expect(contacts.map((person) => person.id)).toEqual(dataset.map((person) => person.id));
      // 250 contacts: a short (or empty) last page ends the paging.
      expect(pages).toBe(Math.floor(250 / pageSize) + 1);
    },
  );

  it('answers the last short page and an empty page beyond it', async () => {
    const em = await start({ contacts: dataset });
    const last = await evaluate(em, page(everyone, 3, 100));
    const beyond = await evaluate(em, page(everyone, 4, 100));
    const farBeyond = await evaluate(em, page(everyone, 1_000_000, 100));

    expect((last.body?.contact_list as V3Contact[]).map((person) => person.id)).toEqual(
      dataset.slice(200).map((person) => person.id),
    );
    expect(beyond.body).toEqual({ contact_list: [], page_number: 4, page_size: 100 });
    expect(farBeyond.body?.contact_list).toEqual([]);
  });
});

describe('invalid input', () => {
  const cases: { why: string; body: unknown; message: RegExp }[] = [
    { why: 'page size 0', body: page(india, 1, 0), message: /page_size.*1 to 100/ },
    { why: 'page size 101', body: page(india, 1, 101), message: /page_size.*1 to 100/ },
    { why: 'page number 0', body: page(india, 0, 10), message: /page_number.*1 or more/ },
    { why: 'a fractional page number', body: page(india, 1.5, 10), message: /page_number/ },
    { why: 'a page size as a string', body: page(india, 1, '10'), message: /page_size/ },
    { why: 'no paging fields', body: { groups: india }, message: /page_number/ },
    {
      why: 'paging fields under other names',
      body: { groups: india, page: 1, pageSize: 10 },
      message: /page_number/,
    },
    { why: 'groups not an array', body: page({ conditions: [] }), message: /groups must be/ },
    { why: 'a group without conditions', body: page([{}]), message: /groups\[0\].*conditions/ },
    { why: 'an empty conditions list', body: page([{ conditions: [] }]), message: /empty/ },
    {
      why: 'an unknown operator',
      body: page([{ conditions: [{ attribute: 'country', operator: 'startsWith', value: 'I' }] }]),
      message: /groups\[0\]\.conditions\[0\]\.operator must be one of ==, !=, contain/,
    },
    {
      why: 'a missing attribute name',
      body: page([{ conditions: [{ operator: '==', value: 'I' }] }]),
      message: /attribute/,
    },
    {
      why: 'a null value',
      body: page([{ conditions: [{ attribute: 'a', operator: '==', value: null }] }]),
      message: /value/,
    },
    { why: 'a body that is an array', body: [india], message: /JSON object/ },
  ];

  it.each(cases)('answers 400 with the v3 error body for $why', async ({ body, message }) => {
    const em = await start({ contacts: PEOPLE });
    const answer = await evaluate(em, body);

    expect(answer.status).toBe(400);
    expect(Object.keys(answer.body ?? {}).sort()).toEqual(['code', 'message', 'timestamp']);
    expect(answer.body?.code).toBe(400);
    expect(answer.body?.message).toMatch(message);
    expect(Number.isNaN(Date.parse(String(answer.body?.timestamp)))).toBe(false);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const em = await start();
    const answer = await evaluate(em, undefined, { rawBody: '{"groups": [' });
    expect(answer.status).toBe(400);
    expect(answer.body?.message).toMatch(/not valid JSON/);
  });
});

describe('routing and authentication', () => {
  it('serves evaluate at the host root only: under a tenant path it is a 404', async () => {
    const em = await start({ contacts: PEOPLE });
    const answer = await evaluate(em, page(india), { prefix: '/123456' });

    expect(answer.status).toBe(404);
    expect(answer.body?.message).toMatch(/no tenant path/);
  });

  it('answers 405 to a GET', async () => {
    const em = await start();
    const response = await fetch(`${em.url}/api/ext/v3/segments/evaluate`, {
      headers: { Authorization: `Bearer ${em.token}` },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('answers 401 without a token or with a wrong one, never echoing it', async () => {
    const em = await start({ contacts: PEOPLE });
    const missing = await evaluate(em, page(india), { token: null });
    const wrong = await evaluate(em, page(india), { token: 'pasted-real-secret' });

    expect(missing.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain('pasted-real-secret');
    expect(JSON.stringify([missing.body, wrong.body])).not.toContain('Person');
  });

  it('accepts the read-only preview token for evaluate and refuses it 403 for create', async () => {
    const em = await start({ contacts: PEOPLE, previewToken: 'read-only-token' });
    const previewed = await evaluate(em, page(india), { token: 'read-only-token' });
    const created = await createSegment(em, staticSegment('A'), { token: 'read-only-token' });
    const byMainToken = await evaluate(em, page(india));

    expect(previewed.status).toBe(200);
    expect(previewed.body?.contact_list).toHaveLength(2);
    expect(created.status).toBe(403);
    expect(created.body.result).toBe(false);
    expect(created.body.message).toMatch(/read-only/);
    expect(byMainToken.status).toBe(200);
    expect(em.snapshot().segments).toEqual([]);
  });

  it('keeps the preview token out of the snapshot', async () => {
    const em = await start({ previewToken: 'distinctive-preview-token' });
    const text = await (await fetch(`${em.url}/__emulator/state`)).text();

    expect(text).not.toContain('distinctive-preview-token');
    expect(em.snapshot().config).not.toHaveProperty('previewToken');
  });
});

describe('account-wide refusals and faults', () => {
  it('answers 400 with the documented error field when custom segments are unavailable', async () => {
    const em = await start({ contacts: PEOPLE, featureDisabled: true });
    const empty = await evaluate(em, page([]));
    const filtered = await evaluate(em, page(india));

    for (const answer of [empty, filtered]) {
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: 'Custom segments are not available on your plan' });
    }
  });

  it('answers 429 with Retry-After under the rate limit, shared with creates', async () => {
    const em = await start({ contacts: PEOPLE, rateLimitRps: 0.01 });
    const first = await evaluate(em, page(india));
    const second = await evaluate(em, page(india));
    const create = await createSegment(em, staticSegment('A'));

    expect(first.status).toBe(200);
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(second.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(second.body?.code).toBe(429);
    expect(second.body?.message).toMatch(/Too many requests/);
    expect(create.status).toBe(429);
    expect(em.snapshot().evaluateRequests.byStatus).toEqual({ '200': 1, '429': 1 });
  });

  it('answers 500 under failRate, the same ones for the same seed', async () => {
    const statuses = async () => {
      const em = await start({ contacts: PEOPLE, failRate: 0.5, seed: 9 });
      const seen: number[] = [];
      for (let index = 0; index < 16; index += 1) {
        seen.push((await evaluate(em, page(india))).status);
      }
      await em.close();
      return seen;
    };
    const first = await statuses();
    const second = await statuses();

    expect(first).toEqual(second);
    expect(first).toContain(200);
    expect(first).toContain(500);
  });

  it('does not shift which creates fail for a seed', async () => {
    const createStatuses = async (previewsFirst: boolean) => {
      const em = await start({ failRate: 0.5, seed: 5, segmentLimit: 100 });
      const seen: number[] = [];
      for (let index = 0; index < 12; index += 1) {
        if (previewsFirst) await evaluate(em, page(india));
        seen.push((await createSegment(em, staticSegment(`S${index}`))).status);
      }
      await em.close();
      return seen;
    };

    expect(await createStatuses(true)).toEqual(await createStatuses(false));
  });

  it('answers after the latency', async () => {
    const em = await start({ contacts: PEOPLE, latencyMs: 150 });
    const started = performance.now();
    const answer = await evaluate(em, page(india));

    expect(answer.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('answers a preview even with every create dropped (drop-rate is for creates only)', async () => {
    const em = await start({ contacts: PEOPLE, dropAfterCommitRate: 1 });
    expect((await evaluate(em, page(india))).status).toBe(200);
  });
});

describe('matching rules switched at runtime', () => {
  it('combines by the configured rules and ignores case when asked', async () => {
    const em = await start({ contacts: PEOPLE });
    const freeInIndia = [
      {
        conditions: [
          { attribute: 'country', operator: '==', value: 'India' },
          { attribute: 'plan', operator: '==', value: 'free' },
        ],
      },
    ];
    const names = async (groups: unknown) =>
      ((await evaluate(em, page(groups))).body?.contact_list as V3Contact[]).map(
        (person) => person.name,
      );

    expect(await names(freeInIndia)).toEqual(['Person 3']);
    em.configure({ matchConditions: 'or' });
    expect(await names(freeInIndia)).toEqual(['Person 1', 'Person 2', 'Person 3']);
    em.configure({ matchConditions: undefined, caseInsensitive: true });
    expect(await names(india)).toEqual(['Person 1', 'Person 3', 'Person 4']);

    const response = await fetch(`${em.url}/__emulator/config`, {
      method: 'POST',
      body: JSON.stringify({ caseInsensitive: null, matchGroups: 'both' }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/matchGroups must be \\"and\\" or \\"or\\"/);
  });
});

describe('the contacts given in code', () => {
  it('refuses contacts that break the dataset rules, saying where', async () => {
    const broken = [
      PEOPLE[0]!,
      { ...PEOPLE[1]!, id: PEOPLE[0]!.id },
      { ...PEOPLE[2]!, id: '12345' },
    ];
    await expect(startEmulator({ contacts: broken })).rejects.toThrow(
      /contact \[1\]: id repeats the id of contact \[0\][\s\S]*contact \[2\]: id must be a 24-hex/,
    );
  });
});
