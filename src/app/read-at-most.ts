// Reading a file the user names without trusting its size: a device such as /dev/zero, or the
// wrong (large) file, is never read whole.
import { open } from 'node:fs/promises';

/** The file's text, or undefined when it holds more than `limit` bytes (read no further). */
export async function readAtMost(file: string, limit: number): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return length > limit ? undefined : buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}
