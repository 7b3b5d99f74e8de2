// File-system error codes → words for diagnostics (never the raw error, which may carry paths
// and stack traces a user does not need).
import { errorCode } from '../errors.js';

/** "permission denied", "it does not exist"... */
export function describeFsError(error: unknown): string {
  switch (errorCode(error)) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'symbolic links loop back on themselves';
    case 'ENOENT':
      return 'it does not exist';
    case 'EISDIR':
      return 'it is a directory';
    case undefined:
      return 'unexpected error';
    default:
      return `system error ${errorCode(error)}`;
  }
}
