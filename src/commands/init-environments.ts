// `segsync init --environments a,b`: the environment templates are real files written for
// staging and production; this rewrites their per-environment lists for the names given. Edits go
// through yaml's Document so every comment, blank line and quote style of the template survives.
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, YAMLMap, YAMLSeq } from 'yaml';
import { UsageError } from '../core/errors.js';

export interface EnvironmentScaffold {
  name: string;
  /** Variable (and GitHub secret) holding the endpoint, e.g. WATI_API_ENDPOINT_STAGING. */
  endpointVariable: string;
  tokenVariable: string;
  stateFile: string;
}

// The config schema's rule for environment names; they also become file and secret names.
const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const MAX_NAME_LENGTH = 40;

/** `staging, production` → ['staging', 'production'] (for the command-line flag). */
export function parseEnvironmentList(value: string): string[] {
  return value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/** Checks the names and derives the variable and file names each environment gets. */
export function describeEnvironments(names: readonly string[]): EnvironmentScaffold[] {
  if (names.length === 0) {
    throw new UsageError(
      '--environments needs at least one name.',
      'For example: segsync init --environments staging,production',
    );
  }
  const bySuffix = new Map<string, string>();
  return names.map((name) => {
    if (!ENVIRONMENT_NAME.test(name) || name.length > MAX_NAME_LENGTH) {
      throw new UsageError(
        `"${name}" cannot be an environment name.`,
        `Use letters, digits, - and _ (starting with a letter or digit, at most ${MAX_NAME_LENGTH} characters).`,
      );
    }
    // Secret names are upper-case: two names differing only in case or -/_ would share secrets.
    const suffix = name.toUpperCase().replace(/-/g, '_');
    const clash = bySuffix.get(suffix);
    if (clash !== undefined) {
      throw new UsageError(
        `The environments "${clash}" and "${name}" would share the secrets WATI_API_TOKEN_${suffix} and WATI_API_ENDPOINT_${suffix}.`,
        'Give each environment a name that differs in more than letter case or - and _.',
      );
    }
    bySuffix.set(suffix, name);
    return {
      name,
      endpointVariable: `WATI_API_ENDPOINT_${suffix}`,
      tokenVariable: `WATI_API_TOKEN_${suffix}`,
      stateFile: `segsync.${name}.state.json`,
    };
  });
}

/** segsync.config.yaml: one `environments` entry per name. */
export function customizeConfig(
  template: string,
  environments: readonly EnvironmentScaffold[],
): string {
  return rewrite(template, (doc) => {
    const map = expectMap(doc.get('environments', true), 'environments');
    const template = map.items;
    map.items = environments.map((environment, index) => {
      const model = template[Math.min(index, template.length - 1)];
      if (!model) throw templateError('environments entries');
      const pair = model.clone();
      if (!isScalar(pair.key)) throw templateError('environments keys');
      pair.key.value = environment.name;
      const entry = expectMap(pair.value, `environments.${environment.name}`);
      entry.set('endpointEnv', environment.endpointVariable);
      entry.set('tokenEnv', environment.tokenVariable);
      entry.set('state', environment.stateFile);
      return pair;
    });
  });
}

/** segsync-plan.yml: the matrix lists the environment names. */
export function customizePlanWorkflow(
  template: string,
  environments: readonly EnvironmentScaffold[],
): string {
  return rewrite(template, (doc) => {
    const path = ['jobs', 'plan', 'strategy', 'matrix', 'environment'];
    const seq = expectSeq(doc.getIn(path, true), path.join('.'));
    seq.items = environments.map((environment) => doc.createNode(environment.name));
  });
}

/** segsync-apply.yml: one matrix entry per environment, with its secret names and state file. */
export function customizeApplyWorkflow(
  template: string,
  environments: readonly EnvironmentScaffold[],
): string {
  return rewrite(template, (doc) => {
    const path = ['jobs', 'apply', 'strategy', 'matrix', 'include'];
    const seq = expectSeq(doc.getIn(path, true), path.join('.'));
    seq.items = environments.map((environment, index) => {
      const entry = expectMap(seq.items[Math.min(index, seq.items.length - 1)], path.join('.'));
      const copy = entry.clone() as YAMLMap;
      copy.set('environment', environment.name);
      copy.set('endpoint-secret', environment.endpointVariable);
      copy.set('token-secret', environment.tokenVariable);
      copy.set('state-file', environment.stateFile);
      return copy;
    });
  });
}

function rewrite(template: string, edit: (doc: Document) => void): string {
  const doc = parseDocument(template);
  edit(doc);
  // lineWidth 0: never fold long lines; no flow padding: `[main]` stays `[main]`.
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function expectMap(node: unknown, where: string): YAMLMap {
  if (!isMap(node) || node.items.length === 0) throw templateError(where);
  return node;
}

function expectSeq(node: unknown, where: string): YAMLSeq {
  if (!isSeq(node) || node.items.length === 0) throw templateError(where);
  return node;
}

// The templates ship with segsync: a missing node is a bug in segsync, not in the user's input.
function templateError(where: string): Error {
  return new Error(`segsync's environment template has no ${where} to fill in (a packaging bug).`);
}
