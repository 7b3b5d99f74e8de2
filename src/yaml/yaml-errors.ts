// The yaml parser's errors and warnings → located diagnostics in plain words. Positions are
// moved to where a person would look (the misplaced key, the opening quote) when the parser's
// own position is indentation or the end of the file.

import { isPair, isScalar, isMap, visit } from 'yaml';
import type { Document, LineCounter, YAMLError } from 'yaml';
import type { Diagnostic } from '../core/model.js';
import { findPair, positionAt } from './locate.js';

export interface YamlSource {
  text: string;
  file: string;
  lineCounter: LineCounter;
  /** The document the errors belong to (absent for errors outside any document). */
  document?: Document.Parsed;
}

const SYNTAX_HINT =
  'Check the indentation of this line and the one before it, the colon after each key, and that every quote and bracket is closed.';

/** One syntax error often triggers follow-up errors on the same line: report the first only. */
export function describeYamlErrors(errors: readonly YAMLError[], source: YamlSource): Diagnostic[] {
  const seenLines = new Set<number>();
  const diagnostics: Diagnostic[] = [];
  for (const error of errors) {
    const diagnostic = describeYamlError(error, source);
    const line = diagnostic.line ?? 0;
    if (diagnostic.code !== 'duplicate-key' && seenLines.has(line)) continue;
    seenLines.add(line);
    diagnostics.push(diagnostic);
  }
  return diagnostics;
}

export function describeYamlWarnings(
  warnings: readonly YAMLError[],
  source: YamlSource,
): Diagnostic[] {
  return warnings.map((warning) => ({
    ...describeYamlError(warning, source),
    severity: 'warning',
  }));
}

function describeYamlError(error: YAMLError, source: YamlSource): Diagnostic {
  const at = (offset: number) => ({ file: source.file, ...positionAt(source.lineCounter, offset) });
  const base = { severity: 'error' as const, ...at(skipIndentation(source.text, error.pos[0])) };
  switch (error.code) {
    case 'DUPLICATE_KEY':
      return { ...base, ...describeDuplicateKey(error, source) };
    case 'TAB_AS_INDENT':
      return {
        ...base,
        ...at(error.pos[0]),
        code: 'yaml-syntax',
        message: 'A tab is used for indentation; YAML allows only spaces there.',
        hint: 'Replace the tab with spaces.',
      };
    case 'RESOURCE_EXHAUSTION':
      return {
        ...base,
        code: 'yaml-syntax',
        message: 'This YAML is nested too deeply to be read.',
        hint: 'A segment definition needs only a few levels of nesting.',
      };
    case 'BAD_DIRECTIVE':
      // `%YAML 9.9`, `%FOO`: the document is still read (as YAML 1.2); indentation is not the issue.
      return {
        ...base,
        ...at(error.pos[0]),
        code: 'yaml-directive',
        message: `${sentence(error.message)} segsync reads the file as YAML 1.2 and ignores the directive.`,
        hint: 'Remove the `%` line at the top of the file (segment definitions need no directive), or write `%YAML 1.2`.',
      };
    case 'TAG_RESOLVE_FAILED':
      return {
        ...base,
        code: 'yaml-tag',
        message: `${sentence(error.message)} The value is read as plain text.`,
        hint: 'Remove the `!tag` in front of the value.',
      };
    case 'MISSING_CHAR':
    case 'BAD_INDENT': {
      const unclosed = findUnclosed(error, source);
      if (unclosed) return { ...base, ...at(unclosed.offset), ...UNCLOSED[unclosed.kind] };
      break;
    }
  }
  return {
    ...base,
    code: 'yaml-syntax',
    message: `This is not valid YAML: ${sentence(error.message)}`,
    hint: SYNTAX_HINT,
  };
}

/** The parser often points at the indentation before the misplaced item: point at the item. */
function skipIndentation(text: string, offset: number): number {
  let cursor = offset;
  while (text[cursor] === ' ') cursor++;
  return text[cursor] === '\n' || text[cursor] === '\r' || cursor >= text.length ? offset : cursor;
}

function describeDuplicateKey(
  error: YAMLError,
  source: YamlSource,
): Pick<Diagnostic, 'code' | 'message' | 'hint'> {
  const duplicate = source.document ? findDuplicatePair(source.document, error.pos[0]) : undefined;
  const key = duplicate
    ? String(duplicate.key)
    : source.text.slice(error.pos[0]).split(/[:\n]/)[0]?.trim();
  const firstLine =
    duplicate?.firstOffset === undefined
      ? undefined
      : positionAt(source.lineCounter, duplicate.firstOffset).line;
  return {
    code: 'duplicate-key',
    message: `The key \`${key}\` appears more than once in the same mapping${
      firstLine === undefined ? '' : ` (first on line ${firstLine})`
    }.`,
    hint: 'Keep only one of them: YAML would otherwise silently drop one of the values.',
  };
}

/** The duplicated key whose text starts at `offset`, and where its first occurrence is. */
function findDuplicatePair(
  document: Document.Parsed,
  offset: number,
): { key: unknown; firstOffset?: number } | undefined {
  let found: { key: unknown; firstOffset?: number } | undefined;
  visit(document, {
    Pair(_index, pair, path) {
      if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined;
      const parent = path.at(-1);
      const first =
        isMap(parent) && isPair(pair) ? findPair(parent.items, String(pair.key.value)) : undefined;
      const firstKey = first && first !== pair && isScalar(first.key) ? first.key : undefined;
      found = { key: pair.key.value, firstOffset: firstKey?.range?.[0] };
      return visit.BREAK;
    },
  });
  return found;
}

type UnclosedKind = 'quote' | 'list' | 'mapping';

const UNCLOSED: Record<UnclosedKind, Pick<Diagnostic, 'code' | 'message' | 'hint'>> = {
  quote: {
    code: 'yaml-syntax',
    message: 'This quoted text is never closed: its closing quote is missing.',
    hint: 'Add the closing quote at the end of the value.',
  },
  list: {
    code: 'yaml-syntax',
    message: 'This list in square brackets is never closed: its closing `]` is missing.',
    hint: 'Add the `]` at the end of the list.',
  },
  mapping: {
    code: 'yaml-syntax',
    message: 'This mapping in curly braces is never closed: its closing `}` is missing.',
    hint: 'Add the `}` at the end of the mapping.',
  },
};

/**
 * The parser notices a missing closing quote or bracket only where the text ends or the next
 * key starts; the mistake is where the quote or bracket opens.
 */
function findUnclosed(
  error: YAMLError,
  source: YamlSource,
): { kind: UnclosedKind; offset: number } | undefined {
  const kind: UnclosedKind | undefined = /quote/i.test(error.message)
    ? 'quote'
    : /flow sequence/i.test(error.message)
      ? 'list'
      : /flow map/i.test(error.message)
        ? 'mapping'
        : undefined;
  if (!kind || !source.document) return undefined;
  let offset: number | undefined;
  const reachesError = (range: readonly number[] | null | undefined) =>
    range !== null &&
    range !== undefined &&
    (range[1] ?? -1) >= error.pos[0] &&
    (range[0] ?? 0) < error.pos[0];
  const check = (matches: boolean, range: readonly number[] | null | undefined) => {
    if (!matches || !reachesError(range)) return undefined;
    offset = range?.[0];
    return visit.BREAK;
  };
  visit(source.document, {
    Scalar: (_key, node) =>
      check(
        kind === 'quote' && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE'),
        node.range,
      ),
    Seq: (_key, node) => check(kind === 'list' && node.flow === true, node.range),
    Map: (_key, node) => check(kind === 'mapping' && node.flow === true, node.range),
  });
  return offset === undefined ? undefined : { kind, offset };
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capitalised = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}
