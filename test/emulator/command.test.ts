import { describe, expect, it } from 'vitest';
import { runEmulatorCommand } from '../../src/commands/emulator.js';
import type { EmulatorCommandOptions } from '../../src/commands/emulator.js';
import { UsageError } from '../../src/errors.js';
import { createSegment, staticSegment, waitUntil } from './support.js';

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
    expect(faults).toContain('segment limit 3');
    expect(faults).toContain('seed 7');
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
