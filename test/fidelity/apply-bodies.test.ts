// What a reviewer reads is what Wati receives: a real `segsync apply` against the emulator, and
// the request bodies compared byte for byte with JSON written out by hand in this test.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../src/emulator/server.js';
import { startEmulator } from '../../src/emulator/server.js';
import { runCli } from '../helpers/cli.js';
import { EMPTY_STATE } from '../../bench/lib/workspace.mjs';

let dir: string;
let emulator: EmulatorHandle | undefined;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'segsync-fidelity-'));
  await writeFile(path.join(dir, 'segsync.state.json'), EMPTY_STATE);
});

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Each definition as written, and the exact body it must be sent as. */
const CASES: { yaml: string; body: string }[] = [
  {
    yaml: 'name: Plain numbers\nrefreshType: dynamic\ngroups:\n  - conditions:\n      - {attribute: orders, operator: ">=", value: 42}\n      - {attribute: balance, operator: "<", value: -7}\n      - {attribute: score, operator: "==", value: 3.5}\n      - {attribute: ratio, operator: ">", value: -0.25}\n      - {attribute: tenth, operator: "==", value: 0.1}\n      - {attribute: zero, operator: "==", value: 0}\n      - {attribute: largest, operator: "<=", value: 9007199254740991}\n',
    body: '{"name":"Plain numbers","refreshType":2,"groups":[{"conditions":[{"attribute":"orders","operator":">=","value":42},{"attribute":"balance","operator":"<","value":-7},{"attribute":"score","operator":"==","value":3.5},{"attribute":"ratio","operator":">","value":-0.25},{"attribute":"tenth","operator":"==","value":0.1},{"attribute":"zero","operator":"==","value":0},{"attribute":"largest","operator":"<=","value":9007199254740991}]}]}',
  },
  {
    yaml: 'name: Booleans\nrefreshType: 2\nuseUploadedContact: true\ngroups:\n  - conditions:\n      - {attribute: subscribed, operator: "==", value: true}\n  - conditions:\n      - {attribute: blocked, operator: "==", value: false}\n',
    body: '{"name":"Booleans","refreshType":2,"groups":[{"conditions":[{"attribute":"subscribed","operator":"==","value":true}]},{"conditions":[{"attribute":"blocked","operator":"==","value":false}]}],"useUploadedContact":true}',
  },
  {
    yaml: 'name: Number-like text\nrefreshType: dynamic\ngroups:\n  - conditions:\n      - attribute: postcode\n        operator: "=="\n        value: "01067"\n      - attribute: phone\n        operator: "=="\n        value: "+4915112345678901234"\n      - attribute: price\n        operator: "=="\n        value: \'1.50\'\n      - attribute: code\n        operator: "=="\n        value: "0x1F"\n      - attribute: account\n        operator: "=="\n        value: "12345678901234567890"\n      - attribute: tilde\n        operator: "=="\n        value: "~"\n',
    body: '{"name":"Number-like text","refreshType":2,"groups":[{"conditions":[{"attribute":"postcode","operator":"==","value":"01067"},{"attribute":"phone","operator":"==","value":"+4915112345678901234"},{"attribute":"price","operator":"==","value":"1.50"},{"attribute":"code","operator":"==","value":"0x1F"},{"attribute":"account","operator":"==","value":"12345678901234567890"},{"attribute":"tilde","operator":"==","value":"~"}]}]}',
  },
  {
    // YAML 1.2 keeps these plain forms as text (YAML 1.1 would not).
    yaml: 'name: Plain text YAML 1.2 keeps\nrefreshType: dynamic\ngroups:\n  - conditions:\n      - {attribute: a, operator: "==", value: yes}\n      - {attribute: b, operator: "==", value: 0b1}\n      - {attribute: c, operator: "==", value: 2001-12-14}\n      - {attribute: d, operator: "==", value: 1_000}\n      - {attribute: e, operator: "==", value: India}\n      - {attribute: f, operator: "==", value: !!str 0x10}\n',
    body: '{"name":"Plain text YAML 1.2 keeps","refreshType":2,"groups":[{"conditions":[{"attribute":"a","operator":"==","value":"yes"},{"attribute":"b","operator":"==","value":"0b1"},{"attribute":"c","operator":"==","value":"2001-12-14"},{"attribute":"d","operator":"==","value":"1_000"},{"attribute":"e","operator":"==","value":"India"},{"attribute":"f","operator":"==","value":"0x10"}]}]}',
  },
  {
    yaml: 'name: "007"\nrefreshType: static\ncontactIds: ["01067", "12345678901234567890", \'+49\']\n',
    body: '{"name":"007","refreshType":1,"contactIds":["01067","12345678901234567890","+49"]}',
  },
  {
    yaml: 'name: Aliased\nrefreshType: 1\ngroups:\n  - conditions:\n      - {attribute: &attr "1.50", operator: "==", value: &v 3.5}\n      - {attribute: *attr, operator: "==", value: *v}\n',
    body: '{"name":"Aliased","refreshType":1,"groups":[{"conditions":[{"attribute":"1.50","operator":"==","value":3.5},{"attribute":"1.50","operator":"==","value":3.5}]}]}',
  },
];

it('sends every scalar exactly as written in the definition', async () => {
  const received: string[] = [];
  emulator = await startEmulator({ onCreateBody: (body) => received.push(body) });
  await mkdir(path.join(dir, 'segments'));
  await writeFile(
    path.join(dir, 'segments', 'fidelity.yaml'),
    CASES.map((c) => c.yaml).join('---\n'),
  );
  const run = await runCli(['apply', 'segments', '--yes'], {
    cwd: dir,
    env: { WATI_API_ENDPOINT: emulator.url, WATI_API_TOKEN: emulator.token },
  });
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).toContain('[6/6] created');
  // Creates run concurrently: compare as sets of exact strings.
  expect([...received].sort()).toEqual(CASES.map((c) => c.body).sort());
});

it('sends nothing when a value would change, and says where and how to quote it', async () => {
  const received: string[] = [];
  emulator = await startEmulator({ onCreateBody: (body) => received.push(body) });
  await mkdir(path.join(dir, 'segments'));
  await writeFile(
    path.join(dir, 'segments', 'postcode.yaml'),
    'name: Dresden\nrefreshType: dynamic\ngroups:\n  - conditions:\n      - {attribute: postcode, operator: "==", value: 01067}\n',
  );
  const run = await runCli(['apply', 'segments', '--yes'], {
    cwd: dir,
    env: { WATI_API_ENDPOINT: emulator.url, WATI_API_TOKEN: emulator.token },
  });
  expect(run.code).not.toBe(0);
  expect(run.stdout + run.stderr).toContain('segments/postcode.yaml:5:54');
  expect(run.stdout + run.stderr).toContain('"01067"');
  expect(received).toEqual([]);
  expect(emulator.snapshot().requests.total).toBe(0);
});
