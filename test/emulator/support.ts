// Helpers shared by the emulator suites: real HTTP through Node's fetch, nothing mocked.

import { afterEach } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { EmulatorHandle, EmulatorOptions, V3Contact } from '../../src/emulator/server.js';
import { EVALUATE_PATH } from '../../src/wati/evaluate-fields.js';

/**
 * A start function for a suite whose emulators live for one test: each one it starts (with
 * `defaults` under the options given) is closed after the test that started it.
 */
export function emulatorPerTest(
  defaults: EmulatorOptions = {},
): (options?: EmulatorOptions) => Promise<EmulatorHandle> {
  const started: EmulatorHandle[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((emulator) => emulator.close()));
  });
  return async (options = {}) => {
    const emulator = await startEmulator({ ...defaults, ...options });
    started.push(emulator);
    return emulator;
  };
}

type Reachable = Pick<EmulatorHandle, 'url' | 'token'>;

/** POSTs a JSON body with the emulator's token (another, or none for `null`). */
function postJson(
  emulator: Reachable,
  path: string,
  body: string,
  token: string | null | undefined,
): Promise<Response> {
  const bearer = token === undefined ? emulator.token : token;
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/json',
  };
  if (bearer !== null) headers.Authorization = `Bearer ${bearer}`;
  return fetch(`${emulator.url}${path}`, { method: 'POST', headers, body });
}

export interface WatiAnswer {
  result?: boolean;
  message?: string;
  info?: { id: string; name: string };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: WatiAnswer;
}

export interface CreateOptions {
  /** Path before /api/v1/createCustomSegment, e.g. "/123456". */
  tenantPath?: string;
  /** `null` sends no Authorization header at all. */
  token?: string | null;
  /** Sent as is instead of JSON.stringify(payload). */
  rawBody?: string;
}

export async function createSegment(
  emulator: Reachable,
  payload: unknown,
  options: CreateOptions = {},
): Promise<Answer> {
  const response = await postJson(
    emulator,
    `${options.tenantPath ?? ''}/api/v1/createCustomSegment`,
    options.rawBody ?? JSON.stringify(payload),
    options.token,
  );
  return { status: response.status, headers: response.headers, body: await readJson(response) };
}

export async function readJson(response: Response): Promise<WatiAnswer> {
  return (await response.json()) as WatiAnswer;
}

export function staticSegment(name: string): {
  name: string;
  refreshType: 1;
  contactIds: string[];
} {
  return { name, refreshType: 1, contactIds: ['12345', '67890'] };
}

export async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

export interface EvaluateAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when the body is empty. */
  body: Record<string, unknown> | undefined;
}

export interface EvaluateOptions {
  /** `null` sends no Authorization header at all. */
  token?: string | null;
  /** Path before /api/ext/v3/segments/evaluate (v3 has none; for the 404 check). */
  prefix?: string;
  /** Sent as is instead of JSON.stringify(body). */
  rawBody?: string;
}

/** POSTs to the evaluate endpoint over real HTTP. */
export async function evaluate(
  emulator: Reachable,
  body: unknown,
  options: EvaluateOptions = {},
): Promise<EvaluateAnswer> {
  const response = await postJson(
    emulator,
    `${options.prefix ?? ''}${EVALUATE_PATH}`,
    options.rawBody ?? JSON.stringify(body),
    options.token,
  );
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

/** Every contact a filter selects, read page by page until a short page. */
export async function evaluateAll(
  emulator: Reachable,
  groups: unknown,
  pageSize: number,
): Promise<{ contacts: V3Contact[]; pages: number }> {
  const contacts: V3Contact[] = [];
  for (let page = 1; ; page += 1) {
    const answer = await evaluate(emulator, { groups, page_number: page, page_size: pageSize });
    if (answer.status !== 200) throw new Error(`evaluate page ${page} answered ${answer.status}`);
    const list = answer.body?.contact_list as V3Contact[];
    contacts.push(...list);
    if (list.length < pageSize) return { contacts, pages: page };
  }
}
