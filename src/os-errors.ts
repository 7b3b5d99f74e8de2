// The one table of OS-error words, for messages about files and streams.

const osErrorWords: Readonly<Record<string, string>> = {
  ENOENT: 'does not exist',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EPIPE: 'the reading end was closed',
  EIO: 'input/output error',
  EFBIG: 'the file is too large',
  EDQUOT: 'disk quota exceeded',
};

/** Plain words for a Node system error code, or undefined for a code not in the table. */
export function describeOsError(code: string | undefined): string | undefined {
  return code !== undefined && Object.hasOwn(osErrorWords, code) ? osErrorWords[code] : undefined;
}
