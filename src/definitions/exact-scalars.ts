// The value-fidelity rule: what a reviewer reads in the YAML is exactly what is sent to Wati.
//
// YAML resolves plain scalars: `01067` is the number 1067, `1.50` is 1.5, `0x1F` is 31,
// `12345678901234567890` loses digits, `.inf` has no JSON form at all. Sent as JSON, each would
// differ from the text in the file, silently, and a segment cannot be edited once created. So
// every scalar in a payload position must be sent as written:
//
// - text is sent as text (quoted or not, YAML keeps it exactly);
// - a number or true/false is accepted where the payload allows one only when its JSON form is
//   character for character its source text (`42`, `3.5`, `-7`, `true`), and for whole numbers
//   only within ±(2^53 − 1), where every integer is exact on both ends;
// - anything else YAML made of the text (a changed number, `~`/`null`, a timestamp, binary data,
//   a number where text is expected) is an error located at the value, whose hint is the quoted
//   form, which YAML always keeps as text.
//
// The check reads the parsed nodes, not the plain data, because only nodes remember the source.

import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, Node, Scalar } from 'yaml';
import type { Diagnostic } from '../core/model.js';
import type { LocatableDocument } from '../yaml/locate.js';
import { findPair, isUnwrittenScalar, locate } from '../yaml/locate.js';
import { capitalise, phraseFor } from '../yaml/schema-errors.js';

/** What a payload position accepts besides text. */
type Accepts = 'text' | 'text-number-boolean' | 'boolean' | 'refresh-type';

export interface ExactScalarResult {
  diagnostics: Diagnostic[];
  /** JSON pointers of the values reported, so the schema's errors about them can be dropped. */
  reported: Set<string>;
}

/** Checks every scalar that reaches the payload of one segment document. */
export function checkExactScalars(
  loaded: LocatableDocument,
  segment: string | undefined,
): ExactScalarResult {
  const result: ExactScalarResult = { diagnostics: [], reported: new Set() };
  const check = (node: unknown, pointer: string, accepts: Accepts) => {
    const scalar = resolveScalar(loaded.document, node);
    if (!scalar || isUnwrittenScalar(scalar)) return; // empty: the schema says "has no value"
    const problem = describeChange(scalar, accepts);
    if (!problem) return;
    result.reported.add(pointer);
    result.diagnostics.push(toDiagnostic(loaded, pointer, scalar, problem, segment));
  };

  const root = resolveNode(loaded.document, loaded.document.contents);
  if (!isMap(root)) return result;
  const field = (key: string) => findPair(root.items, key)?.value;
  check(field('name'), '/name', 'text');
  check(field('refreshType'), '/refreshType', 'refresh-type');
  check(field('useUploadedContact'), '/useUploadedContact', 'boolean');
  forEachItem(loaded.document, field('contactIds'), (item, i) => {
    check(item, `/contactIds/${i}`, 'text');
  });
  forEachItem(loaded.document, field('groups'), (group, g) => {
    if (!isMap(group)) return;
    const conditions = findPair(group.items, 'conditions')?.value;
    forEachItem(loaded.document, conditions, (condition, c) => {
      if (!isMap(condition)) return;
      const pointer = `/groups/${g}/conditions/${c}`;
      const part = (key: string) => findPair(condition.items, key)?.value;
      check(part('attribute'), `${pointer}/attribute`, 'text');
      check(part('operator'), `${pointer}/operator`, 'text');
      check(part('value'), `${pointer}/value`, 'text-number-boolean');
    });
  });
  return result;
}

/** How YAML changed a scalar, in words, or undefined when it is sent exactly as written. */
interface Change {
  /** "the number 1067", "null (no value)", "a timestamp (2001-12-14T00:00:00.000Z)". */
  readAs: string;
  /** The position accepts this kind of value, only not in this spelling. */
  kindAccepted: boolean;
  /** How to write the value YAML read, when that is a number JSON can carry exactly. */
  exactForm?: string;
}

function describeChange(scalar: Scalar, accepts: Accepts): Change | undefined {
  const value: unknown = scalar.value;
  if (typeof value === 'string') return undefined;
  if (typeof value === 'number') {
    const kindAccepted = accepts === 'text-number-boolean' || accepts === 'refresh-type';
    const exactForm = JSON.stringify(value);
    if (kindAccepted && isExactNumber(value, scalar.source)) return undefined;
    return isExactNumber(value, exactForm)
      ? { readAs: describeNumber(value), kindAccepted, exactForm }
      : { readAs: describeNumber(value), kindAccepted };
  }
  if (typeof value === 'boolean') {
    const kindAccepted = accepts === 'text-number-boolean' || accepts === 'boolean';
    if (kindAccepted && String(value) === scalar.source) return undefined;
    return { readAs: `the value ${String(value)}`, kindAccepted };
  }
  if (value === null) return { readAs: 'null (no value)', kindAccepted: false };
  if (value instanceof Date) {
    const iso = Number.isNaN(value.getTime()) ? 'an invalid date' : value.toISOString();
    return { readAs: `a timestamp (${iso})`, kindAccepted: false };
  }
  if (value instanceof Uint8Array) return { readAs: 'binary data', kindAccepted: false };
  return { readAs: 'a special YAML value', kindAccepted: false };
}

/** JSON writes the number exactly as the file does, and the receiver can read it back exactly. */
function isExactNumber(value: number, source: string | undefined): boolean {
  if (!Number.isFinite(value)) return false;
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) return false;
  return JSON.stringify(value) === source;
}

function describeNumber(value: number): string {
  if (Number.isNaN(value)) return 'not-a-number, which JSON cannot carry';
  if (!Number.isFinite(value)) return 'infinity, which JSON cannot carry';
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
    return `the number ${JSON.stringify(value)}, beyond 2^53 where whole numbers stop being exact`;
  }
  return `the number ${JSON.stringify(value)}`;
}

function toDiagnostic(
  loaded: LocatableDocument,
  pointer: string,
  scalar: Scalar,
  change: Change,
  segment: string | undefined,
): Diagnostic {
  const path = pointer.slice(1).split('/');
  const subject = capitalise(phraseFor(path, 'segment definition'));
  const written = scalar.source ?? '';
  const quoted = JSON.stringify(written);
  const isContactId = path[0] === 'contactIds';
  const position = path.at(-1) ?? '';
  const message = isContactId
    ? `${subject} is written as ${written} without quotes; YAML reads that as ${change.readAs}, but contact ids must be text, sent as written.`
    : `${subject} is written as ${written}; YAML reads that as ${change.readAs}, so it would not be sent as written.`;
  return {
    severity: 'error',
    code: isContactId ? 'contact-id-not-quoted' : 'value-not-as-written',
    message,
    ...locate(loaded, pointer),
    hint: hintFor(position, quoted, change),
    ...(segment === undefined ? {} : { segment }),
  };
}

function hintFor(position: string, quoted: string, change: Change): string {
  switch (position) {
    case 'refreshType':
      return 'Write `static`, `dynamic`, 1 or 2.';
    case 'useUploadedContact':
      return 'Write true or false, in lower case and without quotes.';
    case 'value':
      return change.kindAccepted && change.exactForm !== undefined
        ? `Put it in quotes to send the text exactly as written: ${quoted} (or write ${change.exactForm} if that number is meant).`
        : `Put it in quotes to send the text exactly as written: ${quoted}.`;
    default:
      return `Put it in quotes: ${quoted}. Quoted, YAML keeps it as text, exactly as written.`;
  }
}

function forEachItem(
  document: Document.Parsed,
  node: unknown,
  visit: (item: Node, index: number) => void,
): void {
  const list = resolveNode(document, node);
  if (!isSeq(list)) return;
  list.items.forEach((item, index) => {
    const resolved = resolveNode(document, item);
    if (resolved) visit(resolved, index);
  });
}

function resolveScalar(document: Document.Parsed, node: unknown): Scalar | undefined {
  const resolved = resolveNode(document, node);
  return isScalar(resolved) ? resolved : undefined;
}

/** Aliases stand for their anchor's node: that is what `toJS` sends. */
function resolveNode(document: Document.Parsed, node: unknown): Node | undefined {
  if (isAlias(node)) return node.resolve(document) ?? undefined;
  return isMap(node) || isSeq(node) || isScalar(node) ? node : undefined;
}
