// Certificates for TLS tests, made with the machine's `openssl` in a temporary folder (no key
// material committed): a test CA, leaves it signs (valid, for another host, expired), a
// self-signed leaf, and a leaf signed by a CA nobody trusts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface KeyPair {
  key: string;
  cert: string;
}

export interface TestCertificates {
  /** PEM file of the test CA, for NODE_EXTRA_CA_CERTS. */
  caFile: string;
  valid: KeyPair;
  wrongHost: KeyPair;
  expired: KeyPair;
  selfSigned: KeyPair;
  unknownCa: KeyPair;
  remove(): void;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segsync-tls-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const read = (name: string) => readFileSync(file(name), 'utf8');

  const makeCa = (name: string) =>
    openssl(
      'req',
      '-x509',
      ...EC,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=segsync test ${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
    );
  makeCa('ca');
  makeCa('other-ca');

  writeFileSync(file('index.txt'), '');
  writeFileSync(file('serial'), '01\n');
  writeFileSync(
    file('ca.cnf'),
    [
      '[ca]',
      'default_ca = test_ca',
      '[test_ca]',
      'database = index.txt',
      'new_certs_dir = .',
      'serial = serial',
      'default_md = sha256',
      'policy = any_name',
      'unique_subject = no',
      '[any_name]',
      'commonName = supplied',
      '[loopback]',
      'subjectAltName = IP:127.0.0.1',
      '[other_host]',
      'subjectAltName = DNS:other.example',
      '',
    ].join('\n'),
  );

  const leaf = (name: string, ca: string, extensions: string, dates: string[]) => {
    openssl(
      'req',
      '-new',
      ...EC,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    );
    openssl(
      'ca',
      '-config',
      'ca.cnf',
      '-batch',
      '-notext',
      '-cert',
      `${ca}.pem`,
      '-keyfile',
      `${ca}.key`,
      '-extensions',
      extensions,
      ...dates,
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.pem`,
    );
    return { key: read(`${name}.key`), cert: read(`${name}.pem`) };
  };
  const current = ['-days', '2'];
  const valid = leaf('valid', 'ca', 'loopback', current);
  const wrongHost = leaf('wrong-host', 'ca', 'other_host', current);
  const expired = leaf('expired', 'ca', 'loopback', [
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200201000000Z',
  ]);
  const unknownCa = leaf('unknown-ca', 'other-ca', 'loopback', current);
  openssl(
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'self.key',
    '-out',
    'self.pem',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  );
  const selfSigned = { key: read('self.key'), cert: read('self.pem') };

  return {
    caFile: file('ca.pem'),
    valid,
    wrongHost,
    expired,
    selfSigned,
    unknownCa,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
