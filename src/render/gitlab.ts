// GitLab Code Quality report: every diagnostic becomes an entry of the JSON array GitLab reads
// from `artifacts: reports: codequality`, so problems show in the merge request's widget and on
// the diff, the way annotations do on GitHub.
// Shape (docs.gitlab.com, "Code Quality report format"): description, check_name, fingerprint,
// severity (info | minor | major | critical | blocker), location.path, location.lines.begin.
import { sha256 } from '../core/canonical-json.js';
import type { Diagnostic } from '../core/model.js';
import { jsonText } from './sinks/json.js';

export interface CodeQualityIssue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: 'info' | 'minor' | 'major' | 'critical' | 'blocker';
  location: { path: string; lines: { begin: number } };
}

/**
 * `fallbackPath` locates diagnostics that have no file of their own (the segment limit, a config
 * problem): GitLab requires a path. Fingerprints identify a problem across pipelines, so GitLab
 * can tell new problems from fixed ones: they hash the check, the path, the segment name and the
 * message, never the line, which moves whenever lines are added above.
 */
export function renderCodeQuality(
  diagnostics: readonly Diagnostic[],
  fallbackPath: string,
): string {
  const seen = new Map<string, number>();
  const issues = diagnostics.map((diagnostic): CodeQualityIssue => {
    const path = diagnostic.file ?? fallbackPath;
    const key = [diagnostic.code, path, diagnostic.segment ?? '', diagnostic.message].join(
      '\u0000',
    );
    // The same problem twice in one file (two duplicate IDs in one segment) needs two fingerprints.
    const occurrence = (seen.get(key) ?? 0) + 1;
    seen.set(key, occurrence);
    return {
      description: diagnostic.hint
        ? `${diagnostic.message} ${diagnostic.hint}`
        : diagnostic.message,
      check_name: `segsync/${diagnostic.code}`,
      fingerprint: sha256(`${key}\u0000${occurrence}`),
      severity: diagnostic.severity === 'error' ? 'major' : 'minor',
      location: { path, lines: { begin: diagnostic.line ?? 1 } },
    };
  });
  // Printed to the CI log as well as read by GitLab: the JSON sink escapes what JSON leaves raw.
  return jsonText(issues);
}
