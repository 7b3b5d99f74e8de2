// Endpoint and token come from environment variables (or a token file), never from a flag: a
// flag shows in the process list and in shell history.
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { readTextFileOrThrowAsync } from '../files/read.js';
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
      `Copy it from the Wati dashboard (API Docs), e.g. export ${endpointVariable}=https://live-mt-server.wati.io/123456. To try segsync without an account, start \`npx segsync emulator\` and use the endpoint and token it prints.`,
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
    // Never quoted back whatever it holds: it is the token, or something the user mistook for it.
    const text = await readTextFileOrThrowAsync(
      file,
      'token',
      options.tokenFile,
      'Point --token-file at a regular file that contains only the token.',
    );
    if (text === undefined) {
      throw new UserError(
        `The token file ${options.tokenFile} does not exist.`,
        'Check the path given to --token-file.',
      );
    }
    return text;
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
