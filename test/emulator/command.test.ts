import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runEmulatorCommand } from '../../src/commands/emulator.js';
import type { EmulatorCommandOptions } from '../../src/commands/emulator.js';
import { generateContacts } from '../../src/emulator/contact-generator.js';
import { OPERATORS } from '../../src/emulator/matching.js';
import { UsageError, UserError } from '../../src/core/errors.js';
import { runCli } from '../helpers/cli.js';
import { createSegment, evaluate, evaluateAll, staticSegment, waitUntil } from './support.js';

interface Run {
  stdout: string[];
  stderr: string[];
  controller: AbortController;
  exit: Promise<number>;
}

function run(opts: EmulatorCommandOptions): Run {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const controller = new AbortController();
  const exit = runEmulatorCommand(opts, {
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
    signal: controller.signal,
  });
  return { stdout, stderr, controller, exit };
}

/** Reads the endpoint and token from the printed `WATI_API_ENDPOINT=... WATI_API_TOKEN=...` line. */
async function printedSettings(started: Run): Promise<{ url: string; token: string }> {
  await waitUntil(() => started.stdout.some((line) => line.includes('WATI_API_ENDPOINT=')));
  const line = started.stdout.find((candidate) => candidate.includes('WATI_API_ENDPOINT=')) ?? '';
  const match = /WATI_API_ENDPOINT=(\S+) WATI_API_TOKEN=(\S+)/.exec(line);
  return { url: match?.[1] ?? '', token: match?.[2] ?? '' };
}

describe('segsync emulator', () => {
  it('prints settings that work, runs until aborted, then exits 0', async () => {
    const started = run({ port: 0 });
    const { url, token } = await printedSettings(started);

    const answer = await createSegment({ url, token }, staticSegment('From the banner'));
    expect(answer.status).toBe(200);
    expect(started.stdout.join('\n')).toMatch(/Faults: none/);

    started.controller.abort();
    await expect(started.exit).resolves.toBe(0);
    await expect(fetch(`${url}/__emulator/state`)).rejects.toThrow();
  });

  it('summarises the faults it injects, with the seed to replay them', async () => {
    const started = run({ failRate: 0.25, latency: 5, segmentLimit: 3, seed: 7 });
    await printedSettings(started);
    started.controller.abort();
    await started.exit;

    const faults = started.stdout.find((line) => line.startsWith('Faults:')) ?? '';
    expect(faults).toContain('fail rate 25%');
    expect(faults).toContain('latency 5ms');
    expect(faults).toContain('seed 7');
    expect(started.stdout).toContain('Account: at most 3 active segments');
  });

  it("says the account's limit is Wati's documented 10 unless told otherwise", async () => {
    const started = run({ port: 0 });
    const { url, token } = await printedSettings(started);
    const statuses: number[] = [];
    for (let index = 0; index < 11; index += 1) {
      statuses.push((await createSegment({ url, token }, staticSegment(`S${index}`))).status);
    }
    started.controller.abort();
    await started.exit;

    expect(started.stdout).toContain("Account: at most 10 active segments (Wati's documented cap)");
    expect(statuses).toEqual([...Array<number>(10).fill(200), 400]);
  });

  it('previews generated contacts, and prints where and by which rules', async () => {
    const started = run({ port: 0, generateContacts: 40, contactsSeed: 4 });
    const { url, token } = await printedSettings(started);
    const everyone = [{ conditions: [{ attribute: 'phone', operator: 'exist', value: '' }] }];
    const { contacts } = await evaluateAll({ url, token }, everyone, 100);
    started.controller.abort();
    await started.exit;

    expect(contacts).toEqual(generateContacts(40, 4));
    const banner = started.stdout.join('\n');
    expect(banner).toContain(`Preview: POST ${url}/api/ext/v3/segments/evaluate (no tenant path`);
    expect(banner).toContain('Contacts: 40 made up (seed 4)');
    expect(banner).toContain(
      "Matching (segsync's assumption, not documented by Wati): conditions AND, groups OR, case-sensitive",
    );
  });

  it('previews contacts from a file, with a read-only token it never prints', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'segsync-emulator-command-'));
    try {
      const file = path.join(directory, 'people.csv');
      await writeFile(
        file,
        'id,wa_id,name,phone,country\n507f1f77bcf86cd799439011,49,Anna,+49,Germany\n',
      );
      const started = run({ port: 0, contacts: file, previewToken: 'read-only-secret' });
      const { url, token } = await printedSettings(started);
      const filter = [{ conditions: [{ attribute: 'country', operator: '==', value: 'Germany' }] }];
      const body = { groups: filter, page_number: 1, page_size: 10 };
      const previewed = await evaluate({ url, token: 'read-only-secret' }, body);
      const created = await createSegment({ url, token: 'read-only-secret' }, staticSegment('A'));
      started.controller.abort();
      await started.exit;

      expect((previewed.body?.contact_list as { name: string }[]).map((c) => c.name)).toEqual([
        'Anna',
      ]);
      expect(created.status).toBe(403);
      expect(started.stdout).toContain(`Contacts: 1 from ${file}`);
      expect(started.stdout.join('\n')).not.toContain('read-only-secret');
      expect(token).toBe('emulator-token');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('refuses a broken contacts file before listening', async () => {
    const failure = runEmulatorCommand(
      { port: 0, contacts: '/nonexistent/contacts.json' },
      { stdout: () => undefined, stderr: () => undefined, signal: new AbortController().signal },
    );
    await expect(failure).rejects.toBeInstanceOf(UserError);
    await expect(failure).rejects.toThrow(/The contacts file .* does not exist/);
  });

  it('rejects contact and token options that do not fit together', async () => {
    const failure = runEmulatorCommand(
      {
        contacts: 'a.json',
        generateContacts: 1_000_000,
        contactsSeed: -1,
        token: 'same',
        previewToken: 'same',
      },
      { stdout: () => undefined, stderr: () => undefined, signal: new AbortController().signal },
    );
    const message = await failure.catch((error: unknown) => (error as Error).message);

    expect(message).toContain('--contacts and --generate-contacts cannot be used together');
    expect(message).toContain('--generate-contacts must be a whole number from 0 to 100000');
    expect(message).toContain('--contacts-seed must be a whole number');
    expect(message).toContain('--preview-token must differ from --token');
    const seedAlone = await runEmulatorCommand(
      { contactsSeed: 3 },
      { stdout: () => undefined, stderr: () => undefined, signal: new AbortController().signal },
    ).catch((error: unknown) => (error as Error).message);
    expect(seedAlone).toContain('--contacts-seed needs --generate-contacts');
  });

  it('states the matching assumptions in --help', async () => {
    const help = await runCli(['emulator', '--help'], { cwd: tmpdir() });

    expect(help.code).toBe(0);
    expect(help.stdout).toContain('NOT documented by Wati');
    expect(help.stdout).toContain('conditions in a group combine with AND, groups with OR');
    for (const operator of OPERATORS) {
      expect(help.stdout).toContain(operator);
    }
    expect(help.stdout).toMatch(/--match-conditions <how>[\s\S]*--case-insensitive/);
  });

  it('never echoes a token passed with --token', async () => {
    const started = run({ token: 'maybe-a-real-secret' });
    await printedSettings(started);
    started.controller.abort();
    await started.exit;

    expect([...started.stdout, ...started.stderr].join('\n')).not.toContain('maybe-a-real-secret');
  });

  it('rejects out-of-range options by flag name, all at once', async () => {
    const failure = runEmulatorCommand(
      { failRate: 2, dropRate: -1, port: 70_000, latency: Number.NaN },
      { stdout: () => undefined, stderr: () => undefined, signal: new AbortController().signal },
    );

    await expect(failure).rejects.toBeInstanceOf(UsageError);
    const message = await failure.catch((error: unknown) => (error as Error).message);
    for (const flag of ['--fail-rate', '--drop-rate', '--port', '--latency']) {
      expect(message).toContain(flag);
    }
  });

  it('exits at once when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const code = await runEmulatorCommand(
      {},
      { stdout: () => undefined, stderr: () => undefined, signal: controller.signal },
    );
    expect(code).toBe(0);
  });
});
