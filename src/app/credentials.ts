// Endpoint and token come from environment variables (or a token file), never from a flag: a
// flag shows in the process list and in shell history.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { errorCode, UserError } from '../errors.js';
import { normalizeEndpoint, normalizeToken } from '../wati/endpoint.js';
import type { CommandIO } from './io.js';
import type { Settings } from './settings.js';

export interface Credentials {
  /** Normalised endpoint: safe to print and to record in the state file. */
  endpoint: string;
  /** Never printed, logged or stored. */
  token: string;
}

export async function readCredentials(
  settings: Settings,
  io: CommandIO,
  options: { tokenFile?: string },
): Promise<Credentials> {
  const endpointVariable = settings.endpointVariable;
  const rawEndpoint = io.env[endpointVariable];
  if (!rawEndpoint?.trim()) {
    throw new UserError(
      `${endpointVariable} is not set: segsync needs your Wati API endpoint.`,
      `Copy it from the Wati dashboard (API Docs), e.g. export ${endpointVariable}=https://live-mt-server.wati.io/123456. To try segsync without an account, run \`segsync emulator\` or \`npm run demo\`.`,
    );
  }
  const endpoint = normalizeEndpoint(rawEndpoint);
  const token = normalizeToken(await readRawToken(settings, io, options));
  return { endpoint, token };
}

async function readRawToken(
  settings: Settings,
  io: CommandIO,
  options: { tokenFile?: string },
): Promise<string> {
  if (options.tokenFile) {
    const file = path.resolve(io.cwd, options.tokenFile);
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      const code = errorCode(error) ?? 'error';
      throw new UserError(
        `Cannot read the token file ${options.tokenFile} (${code}).`,
        'Check the path given to --token-file.',
      );
    }
  }
  const value = io.env[settings.tokenVariable];
  if (!value?.trim()) {
    throw new UserError(
      `${settings.tokenVariable} is not set: segsync needs your Wati API token.`,
      `Copy the access token from the Wati dashboard (API Docs) into ${settings.tokenVariable}, or put it in a file and pass --token-file FILE. Never pass it on the command line.`,
    );
  }
  return value;
}
