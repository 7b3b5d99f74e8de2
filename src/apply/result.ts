// The outcome of one apply as plain, versioned data (schemas/apply-result.schema.json).
import { ExitCode } from '../core/errors.js';
import type { SegmentResult } from '../core/model.js';
import { notAttemptedReason } from '../render/apply-notes.js';
import type { ApplyReport, ApplyStop, ConcurrencyUsed } from './runner/create-runner.js';

export const APPLY_RESULT_FORMAT_VERSION = 1;

export interface ApplySummary {
  planned: number;
  created: number;
  failed: number;
  unknown: number;
  notAttempted: number;
}

export interface ApplyResult {
  formatVersion: typeof APPLY_RESULT_FORMAT_VERSION;
  environment?: string;
  /** Normalised endpoint; never the token. */
  endpoint: string;
  planChecksum: string;
  /** The state file apply recorded into, relative to the working directory. */
  stateFile: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** The durable state writes made while creating (journal appends and rewrites). */
  stateWrites?: StateWriteSummary;
  /** Absent when nothing was to be created. */
  concurrency?: ConcurrencyUsed;
  summary: ApplySummary;
  stop?: ApplyStop;
  results: SegmentResult[];
  /**
   * Unknown outcomes of earlier runs that this apply did not send again: until they are settled
   * (`segsync state resolve`), apply exits 3.
   */
  unsettled?: string[];
  exitCode: number;
}

export interface StateWriteSummary {
  writes: number;
  bytes: number;
  /** Time spent writing and syncing, in whole milliseconds. */
  ms: number;
}

export function summarizeResults(results: readonly SegmentResult[]): ApplySummary {
  const summary: ApplySummary = {
    planned: results.length,
    created: 0,
    failed: 0,
    unknown: 0,
    notAttempted: 0,
  };
  for (const { result } of results) {
    if (result === 'created') summary.created++;
    else if (result === 'failed') summary.failed++;
    else if (result === 'unknown') summary.unknown++;
    else summary.notAttempted++;
  }
  return summary;
}

/**
 * 0: everything planned was created. 1: Wati's account is unchanged (nothing created, nothing
 * unknown) although something was planned. 3: partial — some created or unknown, not all done.
 */
export function applyExitCode(summary: ApplySummary): number {
  if (summary.created === summary.planned) return ExitCode.ok;
  if (summary.created === 0 && summary.unknown === 0) return ExitCode.failure;
  return ExitCode.partial;
}

export function buildApplyResult(input: {
  report: ApplyReport;
  endpoint: string;
  environment?: string;
  planChecksum: string;
  stateFile: string;
  startedAt: Date;
  finishedAt: Date;
  stateWrites?: StateWriteSummary;
  unsettled?: readonly string[];
}): ApplyResult {
  const summary = summarizeResults(input.report.results);
  const unsettled = input.unsettled ?? [];
  const exitCode = applyExitCode(summary);
  return {
    formatVersion: APPLY_RESULT_FORMAT_VERSION,
    ...(input.environment !== undefined ? { environment: input.environment } : {}),
    endpoint: input.endpoint,
    planChecksum: input.planChecksum,
    stateFile: input.stateFile,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    durationMs: input.finishedAt.getTime() - input.startedAt.getTime(),
    ...(input.stateWrites ? { stateWrites: input.stateWrites } : {}),
    ...(input.report.concurrency ? { concurrency: input.report.concurrency } : {}),
    summary,
    ...(input.report.stop ? { stop: input.report.stop } : {}),
    results: input.report.results.map((result) =>
      result.result === 'not-attempted' && result.message === undefined
        ? { ...result, message: notAttemptedReason(input.report.stop?.reason) }
        : result,
    ),
    ...(unsettled.length > 0 ? { unsettled: [...unsettled] } : {}),
    // Nothing planned and nothing created is still "partial" while unknowns wait to be settled.
    exitCode: unsettled.length > 0 ? Math.max(exitCode, ExitCode.partial) : exitCode,
  };
}
