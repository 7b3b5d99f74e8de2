// What git prints, made safe to show: remote URLs may carry credentials
// (https://x-access-token:TOKEN@github.com/…, https://gitlab-ci-token:TOKEN@gitlab.com/…), and a
// remote's hook may print anything, escape sequences and GitHub workflow commands included.

/** Replaces the user-info part of every URL (`scheme://user:password@`) with `***`. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1***@');
}

/**
 * git's output as indented lines for a terminal or CI log: credentials redacted, control
 * characters shown as `?`, and every line indented so none can start a `::` workflow command.
 */
export function gitOutputLines(text: string, maxLines = 8): string[] {
  const lines = redactUrlCredentials(text)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '');
  const shown = lines.slice(-maxLines).map((line) => `    git: ${line}`);
  return lines.length > maxLines
    ? [`    git: (${lines.length - maxLines} earlier lines)`, ...shown]
    : shown;
}
