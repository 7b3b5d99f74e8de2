// How segsync shows a path to the user: relative to the working directory, with forward slashes,
// so annotations, plans and messages point at repository files the same way on every OS.
import path from 'node:path';

/** `absolute` relative to `cwd` with forward slashes ("." for cwd itself, "../x" outside it). */
export function displayPath(absolute: string, cwd: string): string {
  const relative = path.relative(cwd, absolute) || '.';
  return relative.split(path.sep).join('/');
}
