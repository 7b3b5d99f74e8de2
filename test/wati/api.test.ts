// The WatiApi port (src/wati/api.ts): what it refuses before anything is sent, and its lifecycle.
import { describe, expect, it } from 'vitest';
import type { WatiPayload } from '../../src/core/model.js';
import { systemTiming } from '../../src/core/timing.js';
import { createWatiApi } from '../../src/wati/api.js';
import type { WatiApiOptions } from '../../src/wati/api.js';
import { previewBaseOf } from '../../src/wati/endpoint.js';

const TOKEN = 'tok-CANARY-api';
const PAYLOAD: WatiPayload = { name: 'VIP', refreshType: 1, contactIds: ['1'] };
const api = (options: Partial<WatiApiOptions> = {}) =>
  createWatiApi({ endpoint: 'http://127.0.0.1:1', token: TOKEN, timing: systemTiming, ...options });

describe('options that were not normalised are programmer errors', () => {
  it.each([
    ['endpoint', { endpoint: 'live-mt-server.wati.io/1/' }],
    ['previewEndpoint', { previewEndpoint: 'http://127.0.0.1:1/' }],
    ['token', { token: ` Bearer ${TOKEN}` }],
    ['previewToken', { previewToken: `${TOKEN}\n` }],
  ])('%s', (key, options) => {
    expect(() => api(options)).toThrow(TypeError);
    try {
      api(options);
    } catch (error) {
      expect(String(error)).toContain(`WatiApiOptions.${key}`);
      expect(String(error)).not.toContain(TOKEN);
    }
  });
});

describe('lifecycle', () => {
  it('refuses to create without a token (one that only previews has none)', async () => {
    const client = api({ token: undefined, previewToken: TOKEN });
    await expect(client.createSegment(PAYLOAD)).rejects.toThrow(/token/);
    client.close();
  });

  it('refuses to create or preview after close', async () => {
    const client = api();
    client.close();
    await expect(client.createSegment(PAYLOAD)).rejects.toThrow(/closed/);
    await expect(client.evaluateSegment(undefined)).rejects.toThrow(/closed/);
  });

  it('refuses a page budget or sample size out of range', async () => {
    const client = api();
    await expect(client.evaluateSegment(undefined, { pageBudget: 0 })).rejects.toThrow(RangeError);
    await expect(client.evaluateSegment(undefined, { sample: 101 })).rejects.toThrow(RangeError);
    client.close();
  });
});

describe('the preview host', () => {
  it.each([
    ['https://live-mt-server.wati.io/123456', 'https://live-mt-server.wati.io'],
    ['https://live-mt-server.wati.io', 'https://live-mt-server.wati.io'],
    ['https://eu.example.com:8443/tenant/sub', 'https://eu.example.com:8443'],
    ['http://[::1]:8787/42', 'http://[::1]:8787'],
  ])('%s → %s', (endpoint, base) => {
    expect(previewBaseOf(endpoint)).toBe(base);
  });
});
