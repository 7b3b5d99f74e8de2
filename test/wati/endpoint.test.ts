import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { isLoopbackHost, normalizeEndpoint, normalizeToken } from '../../src/wati/endpoint.js';

function userErrorOf(action: () => unknown): UserError {
  try {
    action();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('normalizeEndpoint', () => {
  const accepted: [string, string][] = [
    ['https://live-mt-server.wati.io/123456', 'https://live-mt-server.wati.io/123456'],
    ['https://live-mt-server.wati.io/123456/', 'https://live-mt-server.wati.io/123456'],
    ['https://live-mt-server.wati.io/123456///', 'https://live-mt-server.wati.io/123456'],
    ['  live-mt-server.wati.io/123456  ', 'https://live-mt-server.wati.io/123456'],
    ['HTTPS://Live-MT-Server.WATI.io/123456', 'https://live-mt-server.wati.io/123456'],
    ['https://live-mt-server.wati.io', 'https://live-mt-server.wati.io'],
    ['https://live-mt-server.wati.io/', 'https://live-mt-server.wati.io'],
    ['https://live-mt-server.wati.io:443/1', 'https://live-mt-server.wati.io/1'],
    ['https://example.com:8443/1', 'https://example.com:8443/1'],
    [
      'https://live-mt-server.wati.io/123456/api/v1/createCustomSegment',
      'https://live-mt-server.wati.io/123456',
    ],
    ['https://live-mt-server.wati.io/123456/api/v1/', 'https://live-mt-server.wati.io/123456'],
    ['https://live-mt-server.wati.io/123456/API/V1', 'https://live-mt-server.wati.io/123456'],
    ['https://live-mt-server.wati.io/api/v1/getContacts', 'https://live-mt-server.wati.io'],
    ['https://live-mt-server.wati.io//123456', 'https://live-mt-server.wati.io/123456'],
    ['http://127.0.0.1:8080/123', 'http://127.0.0.1:8080/123'],
    ['http://127.10.20.30/1', 'http://127.10.20.30/1'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://[::1]:3000/9', 'http://[::1]:3000/9'],
  ];

  it.each(accepted)('%j → %j', (input, expected) => {
    expect(normalizeEndpoint(input)).toBe(expected);
  });

  it('is idempotent', () => {
    for (const [, normalised] of accepted) {
      expect(normalizeEndpoint(normalised)).toBe(normalised);
    }
  });

  const rejected: [string, string, RegExp][] = [
    ['empty', '', /empty/],
    ['only spaces', '   ', /empty/],
    ['ftp scheme', 'ftp://live-mt-server.wati.io/1', /scheme/],
    ['javascript scheme', 'javascript://alert(1)', /scheme/],
    ['credentials', 'https://user:s3cretpw@live-mt-server.wati.io/1', /credentials/],
    ['user only', 'https://s3cretpw@live-mt-server.wati.io/1', /credentials/],
    ['query string', 'https://live-mt-server.wati.io/1?key=s3cretpw', /query/],
    ['empty query', 'https://live-mt-server.wati.io/1?', /query/],
    ['fragment', 'https://live-mt-server.wati.io/1#s3cretpw', /fragment/],
    ['http to a public host', 'http://live-mt-server.wati.io/1', /http/],
    ['http to a private address', 'http://10.0.0.5/1', /http/],
    ['http to a look-alike of localhost', 'http://localhost.example.com/1', /http/],
    ['no host', 'https:///1', /host/],
    ['spaces inside', 'https://live-mt-server.wati.io/ 1', /spaces/],
    ['not a URL', 'https://exa mple', /spaces/],
    ['bad port', 'https://example.com:99999/1', /valid URL/],
  ];

  it.each(rejected)('rejects %s with a message saying what to do', (_label, input, pattern) => {
    const error = userErrorOf(() => normalizeEndpoint(input));
    expect(error.message).toMatch(pattern);
    expect(error.hint).toBeTruthy();
    expect(`${error.message} ${error.hint ?? ''}`).not.toContain('s3cretpw');
  });
});

describe('normalizeToken', () => {
  const accepted: [string, string][] = [
    ['eyJhbGciOi.abc-def_123', 'eyJhbGciOi.abc-def_123'],
    ['  eyJ.tok  ', 'eyJ.tok'],
    ['Bearer eyJ.tok', 'eyJ.tok'],
    ['bearer eyJ.tok', 'eyJ.tok'],
    ['BEARER   eyJ.tok\n', 'eyJ.tok'],
    ['Bearer\teyJ.tok', 'eyJ.tok'],
    ['BearerToken123', 'BearerToken123'],
  ];

  it.each(accepted)('%j → %j', (input, expected) => {
    expect(normalizeToken(input)).toBe(expected);
  });

  const rejected: [string, string][] = [
    ['empty', ''],
    ['only spaces', '   '],
    ['only the prefix', 'Bearer '],
    ['only the prefix, no space', 'Bearer'],
    ['space inside', 'tok-SECRET part2'],
    ['line break inside', 'tok-SECRET\npart2'],
    ['control character', 'tok-SECRET\u0007'],
    ['escape sequence', 'tok-SECRET\u001b[2J'],
    ['smart quotes', '“tok-SECRET”'],
  ];

  it.each(rejected)('rejects %s without echoing the token', (_label, input) => {
    const error = userErrorOf(() => normalizeToken(input));
    expect(`${error.message} ${error.hint ?? ''}`).not.toContain('SECRET');
    expect(error.hint).toBeTruthy();
  });
});

describe('isLoopbackHost', () => {
  const cases: [string, boolean][] = [
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['localhost.', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['0.0.0.0', false],
    ['::', false],
    ['localhost.example.com', false],
    ['mylocalhost', false],
    ['127.0.0.1.nip.io', false],
    ['', false],
  ];

  it.each(cases)('%j → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
