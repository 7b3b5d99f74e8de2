// An endless-looking source of zero bytes generated on the fly (no big fixture): it produces only
// as much as its consumer pulls, so a test can offer gigabytes while the client reads a megabyte.
import { Readable } from 'node:stream';

const CHUNK = Buffer.alloc(64 * 1024);

export function zeros(total: number, onProduced: (bytes: number) => void): Readable {
  let left = total;
  return new Readable({
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
      left -= chunk.length;
      onProduced(chunk.length);
      this.push(chunk);
    },
  });
}
