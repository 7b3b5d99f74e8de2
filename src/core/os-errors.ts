// Operating-system error codes → words, the one table for every message that reports a failed
// file operation (never the raw error, which may carry paths and stack traces a user does not
// need).
import { errorCode } from './errors.js';

const OS_ERROR_WORDS: Record<string, string> = {
  ENOENT: 'it does not exist',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'symbolic links loop back on themselves',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  EPIPE: 'the reading end was closed',
  EFBIG: 'the file is too large',
};

/** The words for a known code, e.g. "permission denied"; undefined for any other. */
export function osErrorWords(code: string | undefined): string | undefined {
  return code !== undefined && Object.hasOwn(OS_ERROR_WORDS, code)
    ? OS_ERROR_WORDS[code]
    : undefined;
}

/** "permission denied", "it does not exist"... for a diagnostic about a definition file. */
export function describeFsError(error: unknown): string {
  const code = errorCode(error);
  if (code === undefined) return 'unexpected error';
  return osErrorWords(code) ?? `system error ${code}`;
}

/** "ENOSPC: no space left on the device": the code for searching, the words for reading. */
export function describeOsError(error: unknown): string {
  const code = errorCode(error);
  if (code === undefined) return error instanceof Error ? error.message : String(error);
  const words = osErrorWords(code);
  return words ? `${code}: ${words}` : code;
}
