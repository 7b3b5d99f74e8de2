// Readable OS error descriptions for messages about the state file, its lock and its journal.
import { errorCode } from '../errors.js';

const OS_ERROR_WORDS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'the directory does not exist',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
};

/** "ENOSPC: no space left on the device" — the code for searching, the words for reading. */
export function describeOsError(error: unknown): string {
  const code = errorCode(error);
  if (code === undefined) return error instanceof Error ? error.message : String(error);
  const words = OS_ERROR_WORDS[code];
  return words ? `${code}: ${words}` : code;
}
