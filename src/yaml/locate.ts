// From "which value is wrong" (a JSON pointer into the plain data) to "where is it in the file"
// (1-based line and column). Only diagnostics and segment sources pay for this, never the
// happy path of every document.

import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node, Pair } from 'yaml';
import type { SourceLocation } from '../core/model.js';

/** The parts of a loaded document that locating needs. */
export interface LocatableDocument {
  file: string;
  document: Document.Parsed;
  lineCounter: LineCounter;
}

/**
 * What to point at:
 * - `value`: the value itself (wrong type, bad value);
 * - `key`: the key whose value is at the path (unknown key, rule about a property);
 * - `mapping`: the first key of the mapping at the path (something missing from it).
 */
export type Anchor = 'value' | 'key' | 'mapping';

/** `"/groups/0/conditions"` → `["groups", "0", "conditions"]` (RFC 6901 unescaping). */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** 1-based line and column of a character offset in the document's source. */
export function positionAt(
  lineCounter: LineCounter,
  offset: number,
): Pick<SourceLocation, 'line' | 'column'> {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

interface Step {
  node: Node;
  /** The pair the node is the value of, when it was reached through a mapping key. */
  pair?: Pair;
}

/** The deepest node along `path` that exists, with the pair that holds it. */
function walk(
  document: Document.Parsed,
  path: readonly string[],
): { step: Step | undefined; complete: boolean } {
  let current: Step | undefined = document.contents
    ? { node: resolve(document, document.contents) }
    : undefined;
  for (const segment of path) {
    if (!current) return { step: undefined, complete: false };
    const next = child(document, current.node, segment);
    if (!next) return { step: current, complete: false };
    current = next;
  }
  return { step: current, complete: current !== undefined };
}

function child(document: Document.Parsed, node: Node, segment: string): Step | undefined {
  if (isMap(node)) {
    const pair = findPair(node.items, segment);
    if (!pair) return undefined;
    if (!hasRange(pair.value)) return hasRange(pair.key) ? { node: pair.key, pair } : undefined;
    return { node: resolve(document, pair.value), pair };
  }
  if (isSeq(node)) {
    const item: unknown = node.items[Number(segment)];
    return hasRange(item) ? { node: resolve(document, item) } : undefined;
  }
  return undefined;
}

/** The pair whose key reads as `key` once turned into plain data (as `toJS` names it). */
export function findPair(items: readonly Pair[], key: string): Pair | undefined {
  return items.find((pair) => isScalar(pair.key) && String(pair.key.value) === key);
}

function hasRange(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value;
}

/** Aliases point at their anchor: the place where the value was actually written. */
function resolve(document: Document.Parsed, node: Node): Node {
  if (!isAlias(node)) return node;
  const target = node.resolve(document);
  return target ?? node;
}

function offsetOf(step: Step | undefined, anchor: Anchor, document: Document.Parsed): number {
  if (!step) return document.contents?.range[0] ?? document.range[0];
  const { node, pair } = step;
  if (anchor === 'key' && pair && hasRange(pair.key)) return startOf(pair.key);
  if (anchor === 'mapping' && isMap(node)) {
    const first = node.items[0];
    if (first && hasRange(first.key)) return startOf(first.key);
  }
  // An empty value (`name:` with nothing after it) has no text of its own: point at its key.
  if (isUnwrittenScalar(node) && pair && hasRange(pair.key)) return startOf(pair.key);
  return startOf(node);
}

function startOf(node: Node): number {
  return node.range?.[0] ?? 0;
}

/** Where the value at `path` (a JSON pointer) is, or the nearest enclosing place that exists. */
export function locate(
  loaded: LocatableDocument,
  pointer: string,
  anchor: Anchor = 'value',
): SourceLocation {
  return locatePath(loaded, parseJsonPointer(pointer), anchor);
}

/** `locate` for a path already split into keys and indices (no pointer parsing per call). */
export function locatePath(
  loaded: LocatableDocument,
  path: readonly string[],
  anchor: Anchor = 'value',
): SourceLocation {
  const { step } = walk(loaded.document, path);
  const { line, column } = positionAt(loaded.lineCounter, offsetOf(step, anchor, loaded.document));
  return { file: loaded.file, line, column };
}

/** Where the key `key` of the mapping at `pointer` is written (for unknown keys). */
export function locateKey(loaded: LocatableDocument, pointer: string, key: string): SourceLocation {
  const path = parseJsonPointer(pointer);
  return locate(
    loaded,
    [...path, key]
      .map(escapePointerPart)
      .map((p) => `/${p}`)
      .join(''),
    'key',
  );
}

function escapePointerPart(part: string): string {
  return part.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Where the document starts: its first key, or its first character. */
export function locateDocumentStart(loaded: LocatableDocument): SourceLocation {
  return locate(loaded, '', 'mapping');
}

/** How a scalar was written in the file (`012345`, not 12345), when the path leads to one. */
export function scalarSourceAt(loaded: LocatableDocument, pointer: string): string | undefined {
  const { step, complete } = walk(loaded.document, parseJsonPointer(pointer));
  return complete && step && isScalar(step.node) ? step.node.source : undefined;
}

/** A value left blank (`name:` with nothing after it), as opposed to `""` or `null`. */
export function isUnwrittenScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && node.type === 'PLAIN' && node.source === '';
}
