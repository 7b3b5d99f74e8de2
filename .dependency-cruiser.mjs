// The layer table of docs/architecture.md as lint rules (`npm run lint`): one rule per row, whose
// "may import" column is the only way out of that folder. Anything in src/ a row does not list
// is forbidden; a folder the table does not name may neither import nor be imported. `type`
// lists what a row may import with `import type` only (the shared model's shapes, a port), never
// as a value; `lazy` what it may reach only through `import()` (or `import type`).
//
// Folders are written as in the table: 'render' is all of src/render/ (render/sinks/ included),
// 'render/sinks' only the escaping boundary; a path ending in .ts is that one module.

/** @typedef {{ may: string[], type?: string[], lazy?: string[], comment: string }} Row */

/** @type {Record<string, Row>} */
export const TABLE = {
  core: { may: [], comment: 'shared core: node built-ins only' },
  files: { may: ['core'], comment: 'the bounded read, the project root and confinement' },
  diagnostics: { may: ['core'], comment: 'sorting, the one displayPath' },
  yaml: { may: ['files', 'diagnostics', 'core'], comment: 'the YAML toolkit' },
  config: { may: ['yaml', 'files', 'diagnostics', 'core'], comment: 'segsync.config.yaml' },
  definitions: {
    may: ['yaml', 'files', 'diagnostics', 'core'],
    comment: 'finding and validating definition files',
  },
  plan: { may: ['core'], comment: 'computePlan: pure' },
  render: {
    may: ['core'],
    type: ['plan', 'apply'],
    comment: 'every output format, from the data it is given; render/sinks: the escaping boundary',
  },
  state: {
    may: ['yaml', 'files', 'diagnostics', 'core', 'render/sinks'],
    comment: 'the state file, its journal, lock, session, reconcile and merge',
  },
  git: {
    may: ['state', 'files', 'diagnostics', 'core', 'render/sinks'],
    comment: 'the one place that starts git; the state pusher and history',
  },
  wati: { may: ['core'], comment: 'the Wati API: transport and one module per operation' },
  'apply/runner': { may: ['core'], comment: 'the create runner: talks to ports only' },
  apply: {
    may: ['application', 'state', 'git', 'plan', 'render', 'files', 'diagnostics', 'core'],
    type: ['wati'],
    comment: 'the apply use case; the WatiApi factory arrives through the services',
  },
  application: {
    may: [
      'config',
      'definitions',
      'plan',
      'state',
      'git',
      'render',
      'files',
      'diagnostics',
      'core',
      // Endpoint and token normalisation; operations arrive through the injected WatiApi factory.
      'wati/endpoint.ts',
    ],
    type: ['wati'],
    comment: 'settings, the load → validate → plan pipeline, credentials, CommandIO',
  },
  emulator: {
    may: ['files', 'diagnostics', 'core', 'wati/evaluate-fields.ts'],
    comment: 'the local Wati emulator',
  },
  commands: {
    may: [
      'application',
      'apply',
      'render',
      'state',
      'git',
      'emulator',
      'files',
      'diagnostics',
      'core',
    ],
    comment: 'one module per command (not config: through application; not wati)',
  },
  program: {
    // The formats registry (18c), whether one module or a folder.
    may: ['render/formats.ts', 'render/formats', 'render/sinks', 'core'],
    type: ['application'],
    lazy: ['commands'],
    comment: 'the commander program: flags, and each command loaded when it runs',
  },
  'composition-root.ts': {
    may: ['git', 'core'],
    type: ['application'],
    lazy: ['wati'],
    comment:
      'the real services: clock, sleep, the git runner, and the WatiApi factory (got loaded lazily)',
  },
  'cli.ts': {
    may: ['program', 'composition-root.ts', 'diagnostics', 'core'],
    type: ['application'],
    comment: 'the entry point: the only reader of process.env, builds the services',
  },
  'demo.ts': {
    may: ['program', 'composition-root.ts', 'emulator', 'application', 'core'],
    comment: 'the demo',
  },
};

const TYPE_ONLY = ['type-only', 'type-import'];

const escape = (path) => path.replace(/[.]/g, '\\.');

/** The path pattern of a table entry: a folder and everything below it, or one module. */
function pattern(entry) {
  return entry.endsWith('.ts') ? `^src/${escape(entry)}$` : `^src/${escape(entry)}/`;
}

/** The modules of a row: its folder, without the rows nested in it (apply/ without apply/runner/). */
function rowModules(row) {
  const nested = Object.keys(TABLE).filter((other) => other.startsWith(`${row}/`));
  return { path: pattern(row), ...(nested.length > 0 ? { pathNot: nested.map(pattern) } : {}) };
}

function rulesFor(row, { may, type = [], lazy = [], comment }) {
  const from = rowModules(row);
  const own = row.endsWith('.ts') ? [] : [pattern(row)];
  const rule = (name, to, why) => ({
    name,
    severity: 'error',
    comment: `${row}: ${comment}. ${why}`,
    from,
    to,
  });
  const allowed = [
    ...may,
    ...type.map((entry) => `${entry} (import type)`),
    ...lazy.map((entry) => `${entry} (import())`),
  ];
  const rules = [
    rule(
      `layer-${row}`,
      { path: '^src/', pathNot: [...own, ...[...may, ...type, ...lazy].map(pattern)] },
      `May import only: ${allowed.join(', ') || 'nothing in src/'}.`,
    ),
  ];
  if (type.length > 0) {
    rules.push(
      rule(
        `layer-${row}-type-only`,
        { path: type.map(pattern), pathNot: may.map(pattern), dependencyTypesNot: TYPE_ONLY },
        `Imports ${type.join(', ')} with \`import type\` only.`,
      ),
    );
  }
  if (lazy.length > 0) {
    rules.push(
      rule(
        `layer-${row}-lazy`,
        { path: lazy.map(pattern), dependencyTypesNot: ['dynamic-import', ...TYPE_ONLY] },
        `Loads ${lazy.join(', ')} with import() only, so each command loads what it uses.`,
      ),
    );
  }
  return rules;
}

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...Object.entries(TABLE).flatMap(([row, spec]) => rulesFor(row, spec)),
    {
      name: 'layer-core-packages',
      severity: 'error',
      comment: 'core/ imports node built-ins only: no package.',
      from: { path: pattern('core') },
      to: { dependencyTypesNot: ['core', 'local'] },
    },
    {
      name: 'layer-unlisted',
      severity: 'error',
      comment: 'A module in src/ that the layer table does not name: add its row first.',
      from: { path: '^src/', pathNot: Object.keys(TABLE).map(pattern) },
      to: { path: '^src/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: modules that cannot be understood (or loaded) one at a time.',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
