// The segment rules: parsed documents → segment definitions + diagnostics. Collects every problem
// of every file; never throws for bad input. The schema (schemas/segment.schema.json) holds the
// per-document rules; this module adds what a schema cannot see: allowed operators, repeated
// contact ids, names shared between documents, and the empty set. The canonical payload and its
// digest are built here too.

import { appendAll } from '../core/append-all.js';
import type {
  Condition,
  Diagnostic,
  Group,
  SegmentDefinition,
  SourceLocation,
  WatiPayload,
} from '../core/model.js';
import path from 'node:path';
import { digestOfSmall } from '../core/canonical-json.js';
import { isRecord } from '../core/guards.js';
import { closest } from '../core/suggest.js';
import { displayPath } from '../diagnostics/display-path.js';
import type { ContactIdsFromFile } from './contact-csv.js';
import { FORMULA_HINT, readContactIdsFile, spreadsheetFormulaProblem } from './contact-csv.js';
import { CONFINEMENT_RULE, confine, describeConfinementProblem } from '../files/confine.js';
import { sortDiagnostics } from '../diagnostics/sort.js';
import type { LoadedDocument } from '../yaml/read.js';
import { documentToData } from '../yaml/read.js';
import { locate, locateDocumentStart, locatePath } from '../yaml/locate.js';
import { explainSchemaErrors } from '../yaml/schema-errors.js';
import { getSegmentValidator } from '../yaml/schema-validator.js';
import { checkExactScalars } from './exact-scalars.js';
import {
  describeNameDifference,
  findInvisibleCharacter,
  similarityKey,
} from './name-characters.js';

export interface ValidateOptions {
  /** Allowed condition operators; when absent or empty, any non-empty operator is accepted. */
  operators?: string[];
  /** Known contact attributes; when absent or empty, any non-empty attribute is accepted. */
  attributes?: string[];
  /** Accept a definition set with no segment at all (otherwise the `no-definitions` error). */
  allowEmpty?: boolean;
  /** What definition file paths are relative to (to find `contactIdsFile` lists). */
  cwd?: string;
  /** The project root `contactIdsFile` lists must be inside (default: `cwd`). */
  root?: string;
  /**
   * 'count': decide validity and count the valid segments without building their payloads and
   * digests (`validate`, which prints neither: 30 ms of 340 for a thousand files). What is sent
   * is always built by 'definitions', the default, from the same documents and the same rules.
   */
  build?: 'definitions' | 'count';
}

export interface ValidateResult {
  /**
   * Valid segments, in load order; a name defined twice keeps only its first definition. Empty
   * when only counted (`build: 'count'`).
   */
  segments: SegmentDefinition[];
  /** How many valid segments there are, however they were built. */
  segmentCount: number;
  /** The loader's diagnostics and validation's, sorted by file, line and column. */
  diagnostics: Diagnostic[];
}

/** A document as the schema guarantees it once valid. */
interface SegmentDocument {
  name: string;
  refreshType: 'static' | 'dynamic' | 1 | 2;
  description?: string;
  groups?: Group[];
  contactIds?: string[];
  contactIdsFile?: string;
  contactIdsColumn?: string;
  useUploadedContact?: boolean;
}

/** Every segment's source is its `name` value. */
const NAME_PATH = ['name'] as const;

/** Where a name was written, for the cross-document name checks. */
export interface NameOccurrence {
  name: string;
  source: SourceLocation;
}

/** A document that passed every per-document rule, built into a definition unless only counted. */
interface Candidate {
  name: string;
  source: SourceLocation;
  definition?: SegmentDefinition;
}

/** What a collector has gathered, as plain data, so collectors of consecutive files can merge. */
export interface CollectedPart {
  documentCount: number;
  diagnostics: Diagnostic[];
  candidates: Candidate[];
  names: NameOccurrence[];
}

/**
 * Validates documents one at a time, remembering only what the cross-document rules need
 * (names and where they are), so a document can be dropped as soon as it has been added.
 */
export class SegmentCollector {
  private readonly validator = getSegmentValidator();
  private readonly operators: ReadonlySet<string> | undefined;
  private readonly attributes: readonly string[] | undefined;
  private readonly diagnostics: Diagnostic[] = [];
  private readonly candidates: Candidate[] = [];
  private readonly names: NameOccurrence[] = [];
  private documentCount = 0;

  constructor(private readonly options: ValidateOptions = {}) {
    this.operators = options.operators?.length ? new Set(options.operators) : undefined;
    this.attributes = options.attributes?.length ? options.attributes : undefined;
  }

  /** Everything gathered so far, for another collector to absorb. */
  part(): CollectedPart {
    return {
      documentCount: this.documentCount,
      diagnostics: this.diagnostics,
      candidates: this.candidates,
      names: this.names,
    };
  }

  /** Adds what another collector gathered from the files that follow this one's. */
  absorb(part: CollectedPart): void {
    this.documentCount += part.documentCount;
    appendAll(this.diagnostics, part.diagnostics);
    appendAll(this.candidates, part.candidates);
    appendAll(this.names, part.names);
  }

  add(document: LoadedDocument): void {
    this.documentCount++;
    const data = documentToData(document);
    if (!data.ok) {
      this.diagnostics.push(data.diagnostic);
      return;
    }
    const value = data.value;
    const name = isRecord(value) && typeof value.name === 'string' ? value.name : undefined;
    const source =
      name === undefined ? locateDocumentStart(document) : locatePath(document, NAME_PATH);
    if (name !== undefined) this.names.push({ name, source });
    // Diagnostics name their segment when it has a name worth showing.
    const segment = name?.trim() ? name : undefined;

    // Values YAML would change are reported by the fidelity rule; the schema's word on the same
    // values (usually a wrong type) would only repeat it less precisely.
    const exact = checkExactScalars(document, segment);
    const problems: Diagnostic[] = [];
    appendAll(problems, exact.diagnostics);
    if (name !== undefined) {
      const invisible = describeInvisibleCharacter(name, source);
      if (invisible) problems.push(invisible);
    }
    if (!this.validator.validate(value)) {
      const errors = (this.validator.validate.errors ?? []).filter(
        (error) => !exact.reported.has(error.instancePath),
      );
      appendAll(
        problems,
        explainSchemaErrors(errors, {
          loaded: document,
          data: value,
          subject: 'segment definition',
          echoValues: true,
          ...(segment === undefined ? {} : { segment }),
        }),
      );
    }
    if (isRecord(value)) {
      if (this.operators) {
        appendAll(problems, checkOperators(document, value, this.operators, segment));
      }
      if (this.attributes) {
        appendAll(problems, checkAttributes(document, value, this.attributes, segment));
      }
      appendAll(problems, checkFormulaContactIds(document, value, segment));
      appendAll(problems, warnRepeatedContactIds(document, value, segment));
    }
    const cwd = this.options.cwd ?? process.cwd();
    const fromFile =
      isRecord(value) && problems.length === 0
        ? readContactIdsOf(document, value, { cwd, root: this.options.root ?? cwd }, segment)
        : undefined;
    if (fromFile) appendAll(problems, fromFile.diagnostics);
    appendAll(this.diagnostics, problems);
    if (problems.some((problem) => problem.severity === 'error')) return;
    const candidate: Candidate = { name: (value as SegmentDocument).name, source };
    if (this.options.build !== 'count') {
      candidate.definition = toSegmentDefinition(value as SegmentDocument, source, fromFile);
    }
    this.candidates.push(candidate);
  }

  /** Applies the rules across documents; `loaderDiagnostics` join the sorted result. */
  finish(loaderDiagnostics: readonly Diagnostic[] = []): ValidateResult {
    const diagnostics = [...loaderDiagnostics, ...this.diagnostics];
    const nameCheck = checkNames(this.names);
    appendAll(diagnostics, nameCheck.diagnostics);
    // A name defined twice keeps its first definition only; the error above blocks apply anyway.
    const kept = this.candidates.filter((candidate) => {
      const first = nameCheck.firstSources.get(candidate.name);
      // Compared by place, not identity: parts may have crossed from a worker thread.
      return first !== undefined && sameLocation(first, candidate.source);
    });
    const segments = kept.flatMap(({ definition }) => (definition ? [definition] : []));
    const hasErrors = diagnostics.some((diagnostic) => diagnostic.severity === 'error');
    // Missing paths and unreadable files already explain an empty set; say it only otherwise.
    if (this.documentCount === 0 && !this.options.allowEmpty && !hasErrors) {
      diagnostics.push({
        severity: 'error',
        code: 'no-definitions',
        message:
          'No segment definitions were found. An empty set is never treated as success: it usually means the wrong directory was given.',
        hint: 'Check the definitions path; pass --allow-empty if an empty set is intended.',
      });
    }
    return { segments, segmentCount: kept.length, diagnostics: sortDiagnostics(diagnostics) };
  }
}

// ---------------------------------------------------------------------------------------------
// The canonical payload.

/**
 * The body sent to Wati, in canonical form: refreshType as 1 or 2; useUploadedContact only when
 * true (false is Wati's default, so false and absent must digest alike); groups and contactIds
 * in the order written; description never. Built field by field: the parsed data may carry a
 * `__proto__` own property, so it is never spread or Object.assign'ed.
 */
function toPayload(document: SegmentDocument, fileIds?: readonly string[]): WatiPayload {
  const payload: WatiPayload = {
    name: document.name,
    refreshType: document.refreshType === 'static' || document.refreshType === 1 ? 1 : 2,
  };
  if (document.groups) {
    payload.groups = document.groups.map((group) => ({
      conditions: group.conditions.map((condition): Condition => ({
        attribute: condition.attribute,
        operator: condition.operator,
        value: condition.value,
      })),
    }));
  }
  // From a CSV file: the ids, never the file name, so moving the file changes nothing in Wati.
  const contactIds = fileIds ?? document.contactIds;
  if (contactIds) payload.contactIds = [...contactIds];
  if (document.useUploadedContact === true) payload.useUploadedContact = true;
  return payload;
}

function toSegmentDefinition(
  document: SegmentDocument,
  source: SourceLocation,
  fromFile?: ContactIdsFromFile & { file: string },
): SegmentDefinition {
  const payload = toPayload(document, fromFile?.ids);
  return {
    name: document.name,
    ...(document.description === undefined ? {} : { description: document.description }),
    ...(fromFile ? { contactIdsFile: fromFile.file } : {}),
    payload,
    digest: digestOfSmall(payload),
    source,
  };
}

// ---------------------------------------------------------------------------------------------
// Per-document rules beyond the schema.

function checkOperators(
  document: LoadedDocument,
  value: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  segment: string | undefined,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const allowedList = [...allowed].join(', ');
  forEachCondition(value, (condition, pointer) => {
    const operator = condition.operator;
    if (typeof operator !== 'string' || operator === '' || allowed.has(operator)) return;
    diagnostics.push({
      severity: 'error',
      code: 'operator-not-allowed',
      message: `The operator \`${operator}\` is not allowed. Allowed operators: ${allowedList}.`,
      ...locate(document, `${pointer}/operator`),
      ...(segment === undefined ? {} : { segment }),
      hint: `Use one of the allowed operators, or add \`${operator}\` to \`operators\` in segsync.config.yaml.`,
    });
  });
  return diagnostics;
}

/**
 * A misspelt attribute (`contry`) makes a segment that matches nobody, and it cannot be edited
 * afterwards: with an `attributes` allow-list, anything else is an error with the nearest name.
 */
function checkAttributes(
  document: LoadedDocument,
  value: Record<string, unknown>,
  allowed: readonly string[],
  segment: string | undefined,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const known = new Set(allowed);
  forEachCondition(value, (condition, pointer) => {
    const attribute = condition.attribute;
    if (typeof attribute !== 'string' || attribute === '' || known.has(attribute)) return;
    const suggestion = closest(attribute, allowed);
    diagnostics.push({
      severity: 'error',
      code: 'unknown-attribute',
      message: `The attribute \`${attribute}\` is not in \`attributes\` of segsync.config.yaml, so no contact would match it.`,
      ...locate(document, `${pointer}/attribute`),
      ...(segment === undefined ? {} : { segment }),
      hint: suggestion
        ? `Did you mean \`${suggestion}\`? If \`${attribute}\` is a real attribute, add it to \`attributes\`.`
        : `Known attributes: ${allowed.join(', ')}. If \`${attribute}\` is a real attribute, add it to \`attributes\` in segsync.config.yaml.`,
    });
  });
  return diagnostics;
}

/** Visits every condition that is a mapping, however broken the rest of the document is. */
function forEachCondition(
  value: Record<string, unknown>,
  visit: (condition: Record<string, unknown>, pointer: string) => void,
): void {
  if (!Array.isArray(value.groups)) return;
  value.groups.forEach((group: unknown, g) => {
    if (!isRecord(group) || !Array.isArray(group.conditions)) return;
    group.conditions.forEach((condition: unknown, c) => {
      if (isRecord(condition)) visit(condition, `/groups/${g}/conditions/${c}`);
    });
  });
}

/** The ids of `contactIdsFile`, read relative to the definition file; undefined without one. */
function readContactIdsOf(
  document: LoadedDocument,
  value: Record<string, unknown>,
  { cwd, root }: { cwd: string; root: string },
  segment: string | undefined,
): (ContactIdsFromFile & { file: string }) | undefined {
  const where = (key: string) => ({
    ...locate(document, `/${key}`),
    ...(segment === undefined ? {} : { segment }),
  });
  if (typeof value.contactIdsFile !== 'string') {
    if (value.contactIdsColumn === undefined) return undefined;
    return {
      ids: [],
      file: '',
      diagnostics: [
        {
          severity: 'error',
          code: 'contact-ids-column-without-file',
          message: '`contactIdsColumn` names a CSV column, but there is no `contactIdsFile`.',
          ...where('contactIdsColumn'),
          hint: 'Add `contactIdsFile`, or remove `contactIdsColumn`.',
        },
      ],
    };
  }
  if (value.contactIds !== undefined) {
    return {
      ids: [],
      file: '',
      diagnostics: [
        {
          severity: 'error',
          code: 'contact-ids-twice',
          message:
            'A segment takes its contact ids from `contactIds` or from `contactIdsFile`, not both.',
          ...where('contactIdsFile'),
          hint: 'Keep one of the two.',
        },
      ],
    };
  }
  const absolute = path.resolve(cwd, path.dirname(document.file), value.contactIdsFile);
  const file = displayPath(absolute, cwd);
  const confined = confine(root, absolute);
  if (!confined.ok) {
    return {
      ids: [],
      file: '',
      diagnostics: [
        {
          severity: 'error',
          code: 'outside-project',
          message: `\`contactIdsFile\` is not read: ${describeConfinementProblem(confined.problem, displayPath(root, cwd))}.`,
          ...where('contactIdsFile'),
          hint: `${CONFINEMENT_RULE} Move the list into the repository.`,
        },
      ],
    };
  }
  const read = readContactIdsFile(confined.real, file, {
    ...(typeof value.contactIdsColumn === 'string' ? { column: value.contactIdsColumn } : {}),
    ...(segment === undefined ? {} : { segment }),
    key: locate(document, '/contactIdsFile'),
  });
  return { ...read, file };
}

/** A `contactIds` entry that a spreadsheet would run as a formula is an error, like in a CSV. */
function checkFormulaContactIds(
  document: LoadedDocument,
  value: Record<string, unknown>,
  segment: string | undefined,
): Diagnostic[] {
  if (!Array.isArray(value.contactIds)) return [];
  return value.contactIds.flatMap((id: unknown, index): Diagnostic[] => {
    const formula = typeof id === 'string' ? spreadsheetFormulaProblem(id) : undefined;
    if (formula === undefined) return [];
    return [
      {
        severity: 'error',
        code: 'contact-id-formula',
        message: `This contact id ${formula}.`,
        ...locate(document, `/contactIds/${index}`),
        ...(segment === undefined ? {} : { segment }),
        hint: FORMULA_HINT,
      },
    ];
  });
}

function warnRepeatedContactIds(
  document: LoadedDocument,
  value: Record<string, unknown>,
  segment: string | undefined,
): Diagnostic[] {
  if (!Array.isArray(value.contactIds)) return [];
  const firstIndex = new Map<string, number>();
  const diagnostics: Diagnostic[] = [];
  value.contactIds.forEach((id: unknown, index) => {
    if (typeof id !== 'string') return;
    const first = firstIndex.get(id);
    if (first === undefined) {
      firstIndex.set(id, index);
      return;
    }
    const firstLine = locate(document, `/contactIds/${first}`).line;
    diagnostics.push({
      severity: 'warning',
      code: 'duplicate-contact-id',
      message: `The contact id "${id}" is listed more than once in this segment (first on line ${firstLine}).`,
      ...locate(document, `/contactIds/${index}`),
      ...(segment === undefined ? {} : { segment }),
      hint: 'Remove the repeated id.',
    });
  });
  return diagnostics;
}

// ---------------------------------------------------------------------------------------------
// Rules across documents.

function sameLocation(a: SourceLocation, b: SourceLocation): boolean {
  return a.file === b.file && a.line === b.line && a.column === b.column;
}

function formatLocation(source: SourceLocation): string {
  return `${source.file}:${source.line}:${source.column}`;
}

/**
 * Names are segsync's identity for a segment: the same name twice is an error; names that differ
 * only in letter case, Unicode normalisation or spacing are probably a mistake.
 */
function checkNames(names: readonly NameOccurrence[]): {
  diagnostics: Diagnostic[];
  firstSources: Map<string, SourceLocation>;
} {
  const diagnostics: Diagnostic[] = [];
  const firstSources = new Map<string, SourceLocation>();
  const firstBySimilarity = new Map<string, NameOccurrence>();
  for (const occurrence of names) {
    const { name, source } = occurrence;
    const first = firstSources.get(name);
    if (first) {
      diagnostics.push({
        severity: 'error',
        code: 'duplicate-name',
        message: `The segment name "${name}" is defined twice: here and at ${formatLocation(first)}.`,
        ...source,
        segment: name,
        hint: 'Each segment needs its own name: rename or remove one of the two definitions.',
      });
      continue;
    }
    firstSources.set(name, source);
    const key = similarityKey(name);
    const similar = firstBySimilarity.get(key);
    if (!similar) {
      firstBySimilarity.set(key, occurrence);
      continue;
    }
    const differences = describeNameDifference(name, similar.name);
    diagnostics.push({
      severity: 'warning',
      code: 'similar-name',
      message: `The segment name "${name}" differs from "${similar.name}" (${formatLocation(similar.source)}) only in ${joinWords(differences)}.`,
      ...source,
      segment: name,
      hint: 'Wati treats them as two different segments. If they are meant to be one, use the same spelling; otherwise choose clearly different names.',
    });
  }
  return { diagnostics, firstSources };
}

function joinWords(words: readonly string[]): string {
  return words.length <= 1
    ? (words[0] ?? '')
    : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

/** A located error naming the invisible character and where it is, for names that hold one. */
function describeInvisibleCharacter(name: string, source: SourceLocation): Diagnostic | undefined {
  const found = findInvisibleCharacter(name);
  if (!found) return undefined;
  const after = found.after ? `, after "${found.after}"` : ', at the start';
  return {
    severity: 'error',
    code: 'invisible-character',
    message: `The segment name "${name}" contains an invisible character: ${found.description} at character ${found.position}${after}.`,
    ...source,
    segment: name,
    hint: 'Retype the name without it. Invisible characters make names that look alike but are different segments in Wati, and direction controls make a name read differently from what it is.',
  };
}
