// Decoding definition files as strict UTF-8. The fast path is the native fatal TextDecoder; only
// when it rejects a file do we scan the bytes ourselves to say where the first bad byte is.

import type { SourceLocation } from '../core/model.js';

const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const BOM_LENGTH = 3;

export type DecodeResult =
  { ok: true; text: string } | { ok: false; line: number; column: number; utf16: boolean };

/** Decodes UTF-8 text, dropping a leading byte order mark; reports where decoding fails. */
export function decodeUtf8(bytes: Uint8Array): DecodeResult {
  try {
    // The decoder strips a leading UTF-8 BOM itself (ignoreBOM defaults to false).
    return { ok: true, text: strictDecoder.decode(bytes) };
  } catch {
    const offset = firstInvalidUtf8Offset(bytes);
    const position = positionOfByte(bytes, offset < 0 ? bytes.length : offset);
    return { ok: false, ...position, utf16: startsWithUtf16Bom(bytes) };
  }
}

/** The 1-based line and column (in UTF-16 units, as editors and the yaml parser count) of a byte. */
function positionOfByte(
  bytes: Uint8Array,
  offset: number,
): Pick<SourceLocation, 'line' | 'column'> {
  let line = 1;
  let lineStart = hasUtf8Bom(bytes) ? BOM_LENGTH : 0;
  for (let i = 0; i < offset; i++) {
    // 0x0A never occurs inside a multi-byte UTF-8 sequence, so counting it is safe.
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  // Everything before the first invalid byte is valid UTF-8 by construction.
  const column =
    strictDecoder.decode(bytes.subarray(Math.min(lineStart, offset), offset)).length + 1;
  return { line, column };
}

function hasUtf8Bom(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

function startsWithUtf16Bom(bytes: Uint8Array): boolean {
  return (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
}

/**
 * Offset of the first byte that starts an ill-formed UTF-8 sequence (Unicode Table 3-7:
 * no overlong forms, no surrogates, nothing above U+10FFFF), or -1 when all bytes are valid.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let secondMin = 0x80;
    let secondMax = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) secondMin = 0xa0; // overlong
      if (lead === 0xed) secondMax = 0x9f; // UTF-16 surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) secondMin = 0x90; // overlong
      if (lead === 0xf4) secondMax = 0x8f; // above U+10FFFF
    } else return i;
    const second = bytes[i + 1];
    if (second === undefined || second < secondMin || second > secondMax) return i;
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}
