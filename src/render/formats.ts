// One registry of output formats per document segsync prints: the plan, the validation report,
// an apply's result and the state list. A command's `--format` offers exactly its registry's
// names (src/program/ reads them here) and every command renders through its registry, so a new
// format is one entry here plus its renderer (and its golden).
//
// Each entry imports its renderer only when that format is chosen, and this module imports no
// renderer (type imports only): the program reads the names at every start, and `validate` never
// loads the plan's or the pull-request comment's code.
import type { ApplyResult } from '../apply/result.js';
import type { Diagnostic, Plan, StateEntryRow } from '../core/model.js';
import type { ValidationReport } from './validation-text.js';

/** Renders one document in one format; `context` carries what the command's flags decided. */
export type Renderer<Document, Context> = (document: Document, context: Context) => string;

/** Format name → its renderer, imported when that format is chosen. */
export type FormatRegistry<Name extends string, Document, Context> = Readonly<
  Record<Name, () => Promise<Renderer<Document, Context>>>
>;

/** Declares a document's registry: every entry renders the same document with the same context. */
function registryOf<Document, Context>() {
  return <const Name extends string>(
    formats: FormatRegistry<Name, Document, Context>,
  ): FormatRegistry<Name, Document, Context> => formats;
}

/** What the renderers of the plan may use; each takes the part it needs. */
export interface PlanRenderContext {
  color: boolean;
  showContactIds: boolean;
  showUnchanged: boolean;
  showRemoved: boolean;
  showUnknown: boolean;
  /** Locates diagnostics that have no file of their own (GitLab requires a path). */
  fallbackPath: string;
}

export interface ValidationRenderContext {
  color: boolean;
  fallbackPath: string;
}

export interface ColorContext {
  color: boolean;
}

/** GitLab's Code Quality report lists a document's diagnostics (the plan's, the validation's). */
const codeQuality = async () => {
  const { renderCodeQuality } = await import('./gitlab.js');
  return (document: { diagnostics: readonly Diagnostic[] }, context: { fallbackPath: string }) =>
    renderCodeQuality(document.diagnostics, context.fallbackPath);
};

/** `segsync plan --format`. */
export const PLAN_FORMATS = registryOf<Plan, PlanRenderContext>()({
  text: () => import('./text.js').then((m) => m.renderPlanText),
  markdown: () => import('./markdown.js').then((m) => m.renderPlanMarkdown),
  json: () => import('./json.js').then((m) => m.renderPlanJson),
  github: async () => {
    const { renderAnnotations } = await import('./github.js');
    const { summarizePlan } = await import('./plan-summary.js');
    return (plan) => renderAnnotations(plan.diagnostics, summarizePlan(plan));
  },
  gitlab: codeQuality,
});

/** `segsync validate --format`. */
export const VALIDATION_FORMATS = registryOf<ValidationReport, ValidationRenderContext>()({
  text: () => import('./validation-text.js').then((m) => m.renderValidationText),
  json: () => import('./json.js').then((m) => m.renderValidationJson),
  github: async () => {
    const { renderAnnotations } = await import('./github.js');
    const { summarizeValidation } = await import('./validation-text.js');
    return (report) => renderAnnotations(report.diagnostics, summarizeValidation(report));
  },
  gitlab: codeQuality,
});

/**
 * `segsync apply --format`: how the result is printed on stdout. `text` is for people; with any
 * other format stdout holds only the result document, and apply's notes go to stderr.
 */
export const APPLY_RESULT_FORMATS = registryOf<ApplyResult, ColorContext>()({
  text: () => import('./apply-report.js').then((m) => m.renderApplyText),
  json: () => import('./sinks/json.js').then((m) => m.jsonText),
});

/** `segsync state list --format`. */
export const STATE_LIST_FORMATS = registryOf<readonly StateEntryRow[], ColorContext>()({
  text: () => import('./state-list.js').then((m) => m.renderStateListText),
  json: () => import('./sinks/json.js').then((m) => m.jsonText),
});

/** The longest plan appended to the job summary, in characters. */
const STEP_SUMMARY_MAX_LENGTH = 20_000;

/**
 * What `plan` and `apply` append to GitHub's job summary (GITHUB_STEP_SUMMARY) when it is set:
 * Markdown beside the output, not a `--format` (contact IDs masked, like the PR comment).
 */
export const STEP_SUMMARIES = {
  plan: () =>
    import('./markdown.js').then(
      (m) => (plan: Plan) => m.renderPlanMarkdown(plan, { maxLength: STEP_SUMMARY_MAX_LENGTH }),
    ),
  apply: () => import('./apply-report.js').then((m) => m.renderApplyMarkdown),
};

export type PlanFormat = keyof typeof PLAN_FORMATS;
export type ValidationFormat = keyof typeof VALIDATION_FORMATS;
export type ApplyResultFormat = keyof typeof APPLY_RESULT_FORMATS;
export type StateListFormat = keyof typeof STATE_LIST_FORMATS;

/** A registry's format names, in its order: what `--format` offers. */
export function formatNames<Name extends string>(
  registry: Readonly<Record<Name, unknown>>,
): Name[] {
  return Object.keys(registry) as Name[];
}

/** `document` in `format`, its renderer imported on demand. */
export async function renderAs<Name extends string, Document, Context>(
  registry: FormatRegistry<Name, Document, Context>,
  format: Name,
  document: Document,
  context: Context,
): Promise<string> {
  const render = await registry[format]();
  return render(document, context);
}
