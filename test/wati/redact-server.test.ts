// A real server on 127.0.0.1 that echoes the Authorization header's token back in every encoding,
// placed so that the quoted message is cut at every offset of the token: nothing of the token, or
// of its URL-encoded or base64 forms, reaches the outcome message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemTiming } from '../../src/core/timing.js';
import { createWatiApi } from '../../src/wati/api.js';
import type { WatiApi } from '../../src/wati/api.js';
import { MIN_PARTIAL_MATCH } from '../../src/wati/redact.js';
import { reply, startServer } from './local-server.js';
import type { LocalServer } from './local-server.js';
import { secretForms, tokenEchoes } from './token-echoes.js';

const TOKEN = 'tok+CANARY/abc=def_ghi-123~xyz';
/** Server messages are quoted up to this many characters (server-answer.ts MAX_MESSAGE_LENGTH). */
const QUOTE_LIMIT = 300;

let server: LocalServer;
let client: WatiApi;

beforeAll(async () => {
  server = await startServer((request, response) => {
    const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
    const { name } = JSON.parse(request.body) as { name: string };
    const [echo, padding] = name.split('|') as [string, string];
    const before = 'x'.repeat(Number(padding));
    reply(response, 400, tokenEchoes[echo]!(before, token, ' was refused'), {
      'content-type': echo.includes('JSON') ? 'application/json' : 'text/plain',
    });
  });
  client = createWatiApi({ endpoint: server.origin, token: TOKEN, timing: systemTiming });
});

afterAll(async () => {
  client.close();
  await server.close();
});

const grams = secretForms(TOKEN).flatMap((form) =>
  Array.from({ length: form.length - MIN_PARTIAL_MATCH + 1 }, (_, i) =>
    form.slice(i, i + MIN_PARTIAL_MATCH),
  ),
);

describe('an echoed token, cut at every offset', () => {
  it.each(Object.keys(tokenEchoes))('%s', async (echo) => {
    // From "the whole echo fits" to "the cut falls before its first character".
    const longest = tokenEchoes[echo]!('', TOKEN, '').length;
    let quotedSomething = false;
    for (let padding = Math.max(0, QUOTE_LIMIT - longest - 2); padding <= QUOTE_LIMIT; padding++) {
      const { outcome } = await client.createSegment({
        name: `${echo}|${padding}`,
        refreshType: 1,
        contactIds: ['1'],
      });
      expect(outcome.kind).toBe('failed');
      const message = outcome.kind === 'failed' ? outcome.message : '';
      quotedSomething ||= message.includes('xxxx');
      for (const gram of grams) expect(message).not.toContain(gram);
    }
    expect(quotedSomething).toBe(true);
  });
});
