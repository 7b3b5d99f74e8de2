// Helpers shared by the emulator suites: real HTTP through Node's fetch, nothing mocked.

import type { EmulatorHandle } from '../../src/emulator/server.js';

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
  emulator: Pick<EmulatorHandle, 'url' | 'token'>,
  payload: unknown,
  options: CreateOptions = {},
): Promise<Answer> {
  const token = options.token === undefined ? emulator.token : options.token;
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/json',
  };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(
    `${emulator.url}${options.tenantPath ?? ''}/api/v1/createCustomSegment`,
    { method: 'POST', headers, body: options.rawBody ?? JSON.stringify(payload) },
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
