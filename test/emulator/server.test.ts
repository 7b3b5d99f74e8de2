import { describe, expect, it } from 'vitest';
import { createSegment, emulatorPerTest, readJson, staticSegment } from './support.js';

const start = emulatorPerTest({ seed: 1 });

describe('successful creates', () => {
  it('answers the documented success body and records the segment', async () => {
    const em = await start();
    const answer = await createSegment(em, {
      name: 'VIP Customers',
      refreshType: 1,
      contactIds: ['12345', '67890'],
    });

    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body.result).toBe(true);
    expect(answer.body.info?.name).toBe('VIP Customers');
    expect(answer.body.info?.id).toMatch(/^[0-9a-f]+$/);
    expect(em.snapshot().segments).toEqual([
      expect.objectContaining({
        id: answer.body.info?.id,
        name: 'VIP Customers',
        refreshType: 1,
        contactIds: ['12345', '67890'],
        tenant: null,
      }),
    ]);
  });

  it('accepts the documented dynamic example and a static segment made of groups', async () => {
    const em = await start();
    const groups = [{ conditions: [{ attribute: 'country', operator: '==', value: 'India' }] }];
    const dynamic = await createSegment(em, {
      name: 'Customers from India',
      refreshType: 2,
      groups,
    });
    const staticByGroups = await createSegment(em, { name: 'Static', refreshType: 1, groups });

    expect([dynamic.status, staticByGroups.status]).toEqual([200, 200]);
    expect(em.snapshot().segments.map((segment) => segment.groups)).toEqual([groups, groups]);
  });

  it('serves the create endpoint behind a tenant path', async () => {
    const em = await start();
    const answer = await createSegment(em, staticSegment('Tenant'), { tenantPath: '/123456' });

    expect(answer.status).toBe(200);
    expect(em.snapshot().segments[0]?.tenant).toBe('123456');
  });

  it('hands out a different id for every create, even of the same name', async () => {
    const em = await start();
    const ids: string[] = [];
    for (const name of ['A', 'B', 'A', 'A']) {
      const answer = await createSegment(em, staticSegment(name));
      ids.push(answer.body.info?.id ?? '');
    }

    expect(new Set(ids).size).toBe(4);
    const snapshot = em.snapshot();
    expect(snapshot.createsByName).toEqual({ A: 3, B: 1 });
    expect(snapshot.duplicates).toEqual(['A']);
  });
});

describe('routing and authentication', () => {
  it('answers 404 JSON for paths that are not the create endpoint', async () => {
    const em = await start();
    for (const path of ['/', '/api/v1/getContacts', '/a/b/api/v1/createCustomSegment']) {
      const response = await fetch(`${em.url}${path}`, { method: 'POST' });
      expect(response.status, path).toBe(404);
      expect((await readJson(response)).result).toBe(false);
    }
  });

  it('answers 405 to a GET on the create endpoint', async () => {
    const em = await start();
    const response = await fetch(`${em.url}/api/v1/createCustomSegment`, {
      headers: { Authorization: `Bearer ${em.token}` },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('answers 401 without a token, without echoing a wrong one', async () => {
    const em = await start({ token: 'right-token' });
    const missing = await createSegment(em, staticSegment('X'), { token: null });
    const wrong = await createSegment(em, staticSegment('X'), { token: 'pasted-real-secret' });

    expect(missing.status).toBe(401);
    expect(missing.body.message).toMatch(/Authorization/);
    expect(wrong.status).toBe(401);
    expect(wrong.body.result).toBe(false);
    expect(JSON.stringify(wrong.body)).not.toContain('pasted-real-secret');
    expect(em.snapshot().segments).toEqual([]);
  });

  it('accepts the configured token with any casing of the Bearer scheme', async () => {
    const em = await start({ token: 'right-token' });
    const response = await fetch(`${em.url}/api/v1/createCustomSegment`, {
      method: 'POST',
      headers: { Authorization: 'bearer right-token', 'Content-Type': 'application/json' },
      body: JSON.stringify(staticSegment('Casing')),
    });
    expect(response.status).toBe(200);
  });
});

describe('documented 400 validations', () => {
  const cases: { why: string; body: string; message: RegExp }[] = [
    { why: 'body is not JSON', body: '{"name": ', message: /not valid JSON/ },
    { why: 'body is not an object', body: '[1, 2]', message: /JSON object/ },
    { why: 'name missing', body: '{"refreshType": 1, "contactIds": ["1"]}', message: /name/ },
    {
      why: 'name empty',
      body: '{"name": "", "refreshType": 1, "contactIds": ["1"]}',
      message: /name/,
    },
    {
      why: 'refreshType 3',
      body: '{"name": "A", "refreshType": 3, "contactIds": ["1"]}',
      message: /refreshType/,
    },
    {
      why: 'refreshType missing',
      body: '{"name": "A", "contactIds": ["1"]}',
      message: /refreshType/,
    },
    {
      why: 'refreshType as a string',
      body: '{"name": "A", "refreshType": "1", "contactIds": ["1"]}',
      message: /refreshType/,
    },
    {
      why: 'dynamic without groups',
      body: '{"name": "A", "refreshType": 2, "contactIds": ["1"]}',
      message: /groups.*dynamic/,
    },
    {
      why: 'dynamic with an empty groups list',
      body: '{"name": "A", "refreshType": 2, "groups": []}',
      message: /groups.*dynamic/,
    },
    {
      why: 'static with neither groups nor contactIds',
      body: '{"name": "A", "refreshType": 1}',
      message: /static.*contactIds or groups/,
    },
  ];

  it.each(cases)('answers 400 when $why', async ({ body, message }) => {
    const em = await start();
    const answer = await createSegment(em, undefined, { rawBody: body });

    expect(answer.status).toBe(400);
    expect(answer.body.result).toBe(false);
    expect(answer.body.message).toMatch(message);
    expect(em.snapshot().segments).toEqual([]);
  });
});

describe('account-wide refusals', () => {
  it('refuses creates once the active segment limit is reached', async () => {
    const em = await start({ segmentLimit: 2 });
    const statuses = [];
    for (const name of ['A', 'B', 'C']) {
      statuses.push((await createSegment(em, staticSegment(name))).status);
    }
    const refused = await createSegment(em, staticSegment('D'));

    expect(statuses).toEqual([200, 200, 400]);
    expect(refused.body.message).toBe('Active segment limit reached for this account (2)');
    expect(em.snapshot().segments.map((segment) => segment.name)).toEqual(['A', 'B']);
  });

  it("refuses the 11th create by default: Wati's documented cap of 10", async () => {
    const em = await start();
    const statuses: number[] = [];
    for (let index = 0; index < 11; index += 1) {
      statuses.push((await createSegment(em, staticSegment(`S${index}`))).status);
    }
    em.configure({ segmentLimit: 11 });
    const raised = await createSegment(em, staticSegment('S11'));
    em.configure({ segmentLimit: undefined });
    const backToDefault = await createSegment(em, staticSegment('S12'));

    expect(statuses).toEqual([...Array<number>(10).fill(200), 400]);
    expect(raised.status).toBe(200);
    expect(backToDefault.body.message).toBe('Active segment limit reached for this account (10)');
    expect(em.snapshot().config.segmentLimit).toBe(10);
  });

  it('refuses every create when the feature is disabled', async () => {
    const em = await start({ featureDisabled: true });
    const answer = await createSegment(em, staticSegment('A'));

    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe('Custom segments feature is not available for this account');
    expect(em.snapshot().segments).toEqual([]);
  });
});

describe('counters and control endpoints', () => {
  it('counts requests by status', async () => {
    const em = await start();
    await createSegment(em, staticSegment('A'));
    await createSegment(em, staticSegment('B'));
    await createSegment(em, { name: 'C' });
    await createSegment(em, staticSegment('D'), { token: 'wrong' });
    await fetch(`${em.url}/elsewhere`);

    expect(em.snapshot().requests).toEqual({
      total: 5,
      byStatus: { '200': 2, '400': 1, '401': 1, '404': 1 },
    });
    expect(em.snapshot().inFlight).toBe(0);
  });

  it('serves the snapshot over HTTP without the token and without a token check', async () => {
    const em = await start({ token: 'distinctive-token-value', segmentLimit: 5 });
    await createSegment(em, staticSegment('A'));
    const response = await fetch(`${em.url}/__emulator/state`);
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(JSON.parse(text)).toEqual(em.snapshot());
    expect(text).not.toContain('distinctive-token-value');
    expect(em.snapshot().config).toEqual({ seed: 1, segmentLimit: 5 });
  });

  it('applies a partial config posted at runtime', async () => {
    const em = await start();
    await createSegment(em, staticSegment('A'));
    const response = await fetch(`${em.url}/__emulator/config`, {
      method: 'POST',
      body: JSON.stringify({ segmentLimit: 1 }),
    });

    expect(response.status).toBe(200);
    expect((await createSegment(em, staticSegment('B'))).status).toBe(400);

    await fetch(`${em.url}/__emulator/config`, {
      method: 'POST',
      body: JSON.stringify({ segmentLimit: null }),
    });
    expect((await createSegment(em, staticSegment('B'))).status).toBe(200);
  });

  it('rejects an invalid runtime config with every problem and changes nothing', async () => {
    const em = await start({ failRate: 0.25 });
    const response = await fetch(`${em.url}/__emulator/config`, {
      method: 'POST',
      body: JSON.stringify({ failRate: 2, latencyMs: -1, colour: 'blue' }),
    });
    const body = (await response.json()) as { problems: string[] };

    expect(response.status).toBe(400);
    expect(body.problems).toHaveLength(3);
    expect(body.problems.join('\n')).toMatch(/failRate.*0 to 1/);
    expect(em.snapshot().config.failRate).toBe(0.25);
    expect(() => em.configure({ failRate: -0.5 })).toThrow(/failRate/);
  });

  it('lets code change the token and lower the limit mid-run', async () => {
    const em = await start();
    em.configure({ token: 'rotated', segmentLimit: 0 });

    expect(em.token).toBe('rotated');
    expect((await createSegment(em, staticSegment('A'), { token: 'emulator-token' })).status).toBe(
      401,
    );
    expect((await createSegment(em, staticSegment('A'))).status).toBe(400);
  });

  it('resets segments and counters, from code and over HTTP', async () => {
    const em = await start();
    await createSegment(em, staticSegment('A'));
    await createSegment(em, staticSegment('A'));
    em.reset();
    const afterCodeReset = em.snapshot();

    await createSegment(em, staticSegment('B'));
    const response = await fetch(`${em.url}/__emulator/reset`, { method: 'POST' });
    const afterHttpReset = em.snapshot();

    expect(afterCodeReset).toMatchObject({
      segments: [],
      createsByName: {},
      duplicates: [],
      maxInFlight: 0,
      requests: { total: 0, byStatus: {} },
    });
    expect(response.status).toBe(200);
    expect(afterHttpReset.segments).toEqual([]);
    expect(afterHttpReset.requests.total).toBe(0);
  });

  it('answers 404 and 405 on the control endpoints', async () => {
    const em = await start();
    expect((await fetch(`${em.url}/__emulator/nothing`)).status).toBe(404);
    expect((await fetch(`${em.url}/__emulator/constructor`)).status).toBe(404);
    expect((await fetch(`${em.url}/__emulator/reset`)).status).toBe(405);
  });
});
