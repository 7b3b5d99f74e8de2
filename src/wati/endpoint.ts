// Turns what a user pasted from the Wati dashboard into the endpoint and token the client uses.
// Error messages never echo the input: people paste tokens into the wrong field, and an endpoint
// may carry credentials.

import { BlockList, isIP } from 'node:net';
import { UserError } from '../core/errors.js';

const WHERE_TO_FIND =
  'Copy the API endpoint from the Wati dashboard (API Docs), e.g. https://live-mt-server.wati.io/123456.';

const loopbackAddresses = new BlockList();
loopbackAddresses.addSubnet('127.0.0.0', 8, 'ipv4');
loopbackAddresses.addAddress('::1', 'ipv6');

/** True for hosts that never leave this machine: 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost. */
export function isLoopbackHost(host: string): boolean {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name === 'localhost') return true;
  const family = isIP(name);
  if (family === 4) return loopbackAddresses.check(name, 'ipv4');
  if (family === 6) return loopbackAddresses.check(name, 'ipv6');
  return false;
}

/**
 * Normalises the account's API endpoint: `https://host[:port]/tenant-path`, without trailing slash.
 * The result is what the state file records, so equal endpoints must produce equal strings.
 */
export function normalizeEndpoint(input: string): string {
  const trimmed = input.trim();
  if (trimmed === '') {
    throw new UserError('The Wati API endpoint is empty.', WHERE_TO_FIND);
  }
  if (/\s/.test(trimmed)) {
    throw new UserError('The Wati API endpoint contains spaces.', WHERE_TO_FIND);
  }
  if (trimmed.includes('?') || trimmed.includes('#')) {
    throw new UserError(
      'The Wati API endpoint contains a query string or fragment (? or #).',
      `Remove everything from the ? or #. ${WHERE_TO_FIND}`,
    );
  }

  // The Wati documentation writes the URL as https://{WATI_API_ENDPOINT}/..., so an endpoint
  // without a scheme is common: default it to https.
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed);
  const withScheme = schemeMatch ? trimmed : `https://${trimmed}`;
  const scheme = (schemeMatch?.[1] ?? 'https').toLowerCase();
  if (scheme !== 'https' && scheme !== 'http') {
    throw new UserError(
      `The Wati API endpoint uses the unsupported scheme "${scheme.slice(0, 20)}:".`,
      `Use an https:// address. ${WHERE_TO_FIND}`,
    );
  }
  if (withScheme.slice(scheme.length + 3).startsWith('/')) {
    throw new UserError('The Wati API endpoint has no host name.', WHERE_TO_FIND);
  }

  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UserError('The Wati API endpoint is not a valid URL.', WHERE_TO_FIND);
  }
  if (url.username !== '' || url.password !== '') {
    throw new UserError(
      'The Wati API endpoint contains credentials (user:password@).',
      'Remove them from the endpoint; the API token is given separately.',
    );
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new UserError(
      `The Wati API endpoint ${url.host} uses http://, which would send the API token unencrypted.`,
      'Use https:// (plain http is only accepted for 127.0.0.1, ::1 and localhost, e.g. the local emulator).',
    );
  }

  let path = url.pathname.replace(/\/{2,}/g, '/');
  // People sometimes paste a full request URL (…/123456/api/v1/createCustomSegment): keep only
  // the part before /api/v1, because the client appends /api/v1/createCustomSegment itself.
  path = path.replace(/(^|\/)api\/v1(\/.*)?$/i, '');
  path = path.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * Normalises the API token: trims it and drops a pasted `Bearer ` prefix (the dashboard shows the
 * token with it). Messages never contain the token, not even part of it.
 */
export function normalizeToken(input: string): string {
  let token = input.trim();
  const prefix = /^bearer(\s+|$)/i.exec(token);
  if (prefix) token = token.slice(prefix[0].length);
  if (token === '') {
    throw new UserError(
      'The Wati API token is empty.',
      'Copy the access token from the Wati dashboard (API Docs).',
    );
  }
  if (/\s/.test(token)) {
    throw new UserError(
      'The Wati API token contains spaces or line breaks.',
      'Copy the token again as one piece from the Wati dashboard (API Docs).',
    );
  }
  // Only visible ASCII can travel in an Authorization header; anything else (control characters,
  // smart quotes from a chat app) means the paste went wrong.
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new UserError(
      'The Wati API token contains characters that cannot be part of a token (control or non-ASCII characters).',
      'Copy the token again from the Wati dashboard (API Docs), without quotes or formatting.',
    );
  }
  return token;
}

/**
 * Where Wati's v3 calls (the segment preview) live for an account: the create endpoint's host
 * without its tenant path (`https://live-mt-server.wati.io/123456` → `https://live-mt-server.wati.io`).
 * Takes a normalised endpoint.
 */
export function previewBaseOf(endpoint: string): string {
  return new URL(endpoint).origin;
}
