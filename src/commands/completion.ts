// `segsync completion bash|zsh|fish`: a completion script generated from the commander command
// tree, so a new command or flag completes without anyone editing a script. What the tree cannot
// know — environment names from the config, segment names from the state file — the script asks
// segsync for at completion time through the hidden `segsync __complete env|segments` command
// (completion-values.ts).
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import { ExitCode, UsageError } from '../core/errors.js';
import type { CommandIO } from '../application/io.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

/** What follows a flag that takes a value. */
type ValueKind = { choices: string[] } | 'env' | 'file' | 'none';

interface FlagInfo {
  names: string[];
  description: string;
  value?: ValueKind;
}

/** One node of the command tree, e.g. `state show`. */
interface CommandNode {
  path: string;
  description: string;
  subcommands: string[];
  flags: FlagInfo[];
  /** What the positional arguments complete to. */
  positional: 'segments' | 'files' | 'none' | { choices: string[] };
}

// Commands whose positional argument is a recorded segment name.
const SEGMENT_ARGUMENT = new Set(['state show', 'state resolve', 'state forget']);
// Flags whose value is a file (the rest take free text: a number, a host...).
const FILE_FLAGS = new Set(['--config', '--state', '--out', '--token-file', '--data']);

export function describeCommandTree(program: Command): CommandNode[] {
  const nodes: CommandNode[] = [];
  const visit = (command: Command, path: string) => {
    const visible = command.commands.filter((sub) => !isHidden(sub));
    nodes.push({
      path,
      description: command.description(),
      subcommands: visible.map((sub) => sub.name()),
      flags: [
        ...command.options
          .filter((option) => !option.hidden)
          .map((option) => ({
            names: [option.long, option.short].filter((name): name is string => Boolean(name)),
            description: option.description,
            ...(option.required || option.optional ? { value: valueKind(option) } : {}),
          })),
        { names: ['--help', '-h'], description: 'display help' },
      ],
      positional: positionalKind(command, path, visible.length > 0),
    });
    for (const sub of visible) visit(sub, path === '' ? sub.name() : `${path} ${sub.name()}`);
  };
  visit(program, '');
  return nodes;
}

function positionalKind(
  command: Command,
  path: string,
  hasSubcommands: boolean,
): CommandNode['positional'] {
  if (SEGMENT_ARGUMENT.has(path)) return 'segments';
  const [first] = command.registeredArguments;
  if (hasSubcommands || first === undefined) return 'none';
  return first.argChoices ? { choices: first.argChoices } : 'files';
}

function isHidden(command: Command): boolean {
  // commander keeps `{ hidden: true }` in a private field; its help omits such commands.
  return (command as unknown as { _hidden?: boolean })._hidden === true;
}

function valueKind(option: {
  long?: string | undefined;
  argChoices?: string[] | undefined;
}): ValueKind {
  if (option.argChoices) return { choices: option.argChoices };
  if (option.long === '--env') return 'env';
  if (option.long && FILE_FLAGS.has(option.long)) return 'file';
  return 'none';
}

export function runCompletion(shell: string, program: Command, io: CommandIO): number {
  const tree = describeCommandTree(program);
  const name = program.name();
  switch (shell) {
    case 'bash':
      io.stdout(renderBash(tree, name));
      return ExitCode.ok;
    case 'zsh':
      io.stdout(renderZsh(tree, name));
      return ExitCode.ok;
    case 'fish':
      io.stdout(renderFish(tree, name));
      return ExitCode.ok;
    default:
      throw new UsageError(
        `No completion for the shell ${JSON.stringify(shell)}.`,
        `Choose one of: ${SHELLS.join(', ')}. For bash: source <(segsync completion bash)`,
      );
  }
}

/** Single-quoted for sh: the only character needing care is the quote itself. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The flags that take a value, in every command: their value is never a subcommand. */
function valueFlagsOf(tree: readonly CommandNode[]): string[] {
  const valueFlags = new Set<string>();
  for (const node of tree)
    for (const flag of node.flags) if (flag.value) flag.names.forEach((n) => valueFlags.add(n));
  return [...valueFlags];
}

/** How one shell script offers each kind of value. */
interface ShellActions {
  dynamic(kind: 'env' | 'segments'): string;
  /** Files: the shell's own filename completion. */
  files: string;
  words(list: readonly string[]): string;
}

/** What one command path offers: after each value flag, as a positional argument, otherwise. */
function nodeActions(node: CommandNode, shell: ShellActions) {
  const values = node.flags.flatMap(({ names, value }) => {
    if (value === undefined || value === 'none') return [];
    const action =
      value === 'env'
        ? shell.dynamic('env')
        : value === 'file'
          ? shell.files
          : shell.words(value.choices);
    return [{ names: names.join('|'), action }];
  });
  const positional = node.positional;
  const positionalAction =
    positional === 'segments'
      ? shell.dynamic('segments')
      : positional === 'files'
        ? shell.files
        : positional === 'none'
          ? ''
          : shell.words(positional.choices);
  const words = shell.words([...node.subcommands, ...node.flags.flatMap((flag) => flag.names)]);
  return { values, positionalAction, words };
}

// What every script guarantees: a candidate is data, never code or a pattern. No candidate goes
// through word splitting or pathname expansion (a recorded segment named `*` is offered as `*`,
// not as the files of the current directory; `$(touch pwned)` is offered, never run), and each
// is inserted quoted for the shell it is typed in. Files are left to the shell's own filename
// completion, which quotes them itself.

// Bash: one `case` over the command path found in the words typed so far. Flags that take a
// value are listed so their value is not mistaken for a subcommand. Candidates are read line by
// line (`read -r`) into COMPREPLY, never through an unquoted `$(…)`.
export function renderBash(tree: readonly CommandNode[], name: string): string {
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const words = (list: readonly string[]) => `${fn}_words ${shellQuote(list.join(' '))}`;
  const shell: ShellActions = {
    dynamic: (kind) => `${fn}_dynamic ${kind}`,
    files: ':', // nothing offered: bash's own filename completion (-o default) takes over
    words,
  };
  const cases = tree.map((node) => {
    const { values, positionalAction, words: otherwise } = nodeActions(node, shell);
    return [
      `      ${shellQuote(node.path)})`,
      '        case "$prev" in',
      ...values.map(({ names, action }) => `          ${names}) ${action}; return ;;`),
      '        esac',
      ...(positionalAction
        ? [`        if [[ "$cur" != -* ]]; then ${positionalAction}; return; fi`]
        : []),
      `        ${otherwise} ;;`,
    ].join('\n');
  });
  return `# ${name} completion for bash. Load it with:  source <(${name} completion bash)
# or save it as ~/.local/share/bash-completion/completions/${name}
${fn}_words() {
  # segsync's own words (commands, flags, choices): they hold no space or pattern character.
  local word
  COMPREPLY=()
  while IFS= read -r word; do
    [[ -n "$word" ]] && COMPREPLY+=("$word")
  done < <(compgen -W "$1" -- "$cur")
}
${fn}_dynamic() {
  # Environment or segment names, from the config and state file the command line names: one per
  # line, each offered shell-quoted (printf %q), matched against what was typed raw or quoted.
  local forward=() i word quoted
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -c|--config|--env|--state) forward+=("\${COMP_WORDS[i]}" "\${COMP_WORDS[i+1]}") ;;
    esac
  done
  COMPREPLY=()
  while IFS= read -r word; do
    [[ -z "$word" ]] && continue
    printf -v quoted '%q' "$word"
    if [[ "$word" == "$cur"* || "$quoted" == "$cur"* ]]; then COMPREPLY+=("$quoted"); fi
  done < <("\${COMP_WORDS[0]}" __complete "$1" "\${forward[@]}" 2>/dev/null)
}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local cmdpath="" i word skip=0
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if ((skip)); then skip=0; continue; fi
    case "$word" in
      ${valueFlagsOf(tree).join('|')}) skip=1 ;;
      -*) ;;
      *)
        case " $(${fn}_subcommands "$cmdpath") " in
          *" $word "*) cmdpath="\${cmdpath:+$cmdpath }$word" ;;
        esac ;;
    esac
  done
  case "$cmdpath" in
${cases.join('\n')}
  esac
}
${fn}_subcommands() {
  case "$1" in
${tree.map((node) => `    ${shellQuote(node.path)}) echo ${shellQuote(node.subcommands.join(' '))} ;;`).join('\n')}
  esac
}
complete -o default -F ${fn} ${name}`;
}

// zsh: its own completion function, the same tree and the same walk as bash. Candidates are
// handed to compadd as separate arguments (never split or globbed), and compadd quotes each one
// for the command line; files go to zsh's _files.
export function renderZsh(tree: readonly CommandNode[], name: string): string {
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const words = (list: readonly string[]) => `compadd -- ${list.map(shellQuote).join(' ')}`;
  const shell: ShellActions = {
    dynamic: (kind) => `${fn}_dynamic ${kind}`,
    files: '_files',
    words,
  };
  const cases = tree.map((node) => {
    const { values, positionalAction, words: otherwise } = nodeActions(node, shell);
    return [
      `    (${shellQuote(node.path)})`,
      '      case $prev in',
      ...values.map(({ names, action }) => `        (${names}) ${action}; return ;;`),
      '      esac',
      ...(positionalAction
        ? [`      if [[ $cur != -* ]]; then ${positionalAction}; return; fi`]
        : []),
      `      ${otherwise} ;;`,
    ].join('\n');
  });
  return `#compdef ${name}
# ${name} completion for zsh. Load it with:  source <(${name} completion zsh)
# or save it as _${name} in a directory of your $fpath.
${fn}_dynamic() {
  # Environment or segment names, from the config and state file the command line names.
  local -a forward names
  local i
  for (( i = 2; i < CURRENT; i++ )); do
    case \${words[i]} in
      (-c|--config|--env|--state) forward+=("\${words[i]}" "\${(Q)words[i+1]}") ;;
    esac
  done
  names=("\${(@f)$("\${(Q)words[1]}" __complete "$1" "\${forward[@]}" 2>/dev/null)}")
  names=("\${(@)names:#}")
  (( \${#names} )) && compadd -- "\${names[@]}"
}
${fn}_subcommands() {
  case $1 in
${tree.map((node) => `    (${shellQuote(node.path)}) print -r -- ${shellQuote(node.subcommands.join(' '))} ;;`).join('\n')}
  esac
}
${fn}() {
  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]} cmdpath="" word
  local -a subcommands
  local i skip=0
  for (( i = 2; i < CURRENT; i++ )); do
    word=\${words[i]}
    if (( skip )); then skip=0; continue; fi
    case $word in
      (${valueFlagsOf(tree).join('|')}) skip=1 ;;
      (-*) ;;
      (*)
        subcommands=(\${(s: :)"$(${fn}_subcommands "$cmdpath")"})
        (( \${subcommands[(Ie)$word]} )) && cmdpath="\${cmdpath:+$cmdpath }$word" ;;
    esac
  done
  case $cmdpath in
${cases.join('\n')}
  esac
}
if (( ! $+functions[compdef] )); then autoload -U +X compinit && compinit; fi
compdef ${fn} ${name}`;
}

// fish: `complete` lines. Dynamic names come from a function that forwards the command line's
// --config, --env and --state (`commandline -opc`, already unescaped); fish never expands what a
// command substitution prints and escapes each candidate when it inserts it.
export function renderFish(tree: readonly CommandNode[], name: string): string {
  const fn = `__${name.replace(/[^A-Za-z0-9_]/g, '_')}_complete_values`;
  const lines = [
    `# ${name} completion for fish. Load it with:  ${name} completion fish | source`,
    `# or save it as ~/.config/fish/completions/${name}.fish`,
    `function ${fn} --description 'names segsync knows: environments or recorded segments'`,
    '    set -l tokens (commandline -opc)',
    '    set -l forward',
    '    for i in (seq 2 (count $tokens))',
    '        switch $tokens[$i]',
    '            case -c --config --env --state',
    '                set -l next (math $i + 1)',
    '                test $next -le (count $tokens); and set -a forward $tokens[$i] $tokens[$next]',
    '        end',
    '    end',
    '    $tokens[1] __complete $argv[1] $forward 2>/dev/null',
    'end',
  ];
  const topLevel = tree.find((node) => node.path === '')!.subcommands;
  for (const node of tree) {
    const parts = node.path === '' ? [] : node.path.split(' ');
    const seen = parts.map((part) => `__fish_seen_subcommand_from ${part}`);
    const notDeeper = node.subcommands.length
      ? [`not __fish_seen_subcommand_from ${node.subcommands.join(' ')}`]
      : [];
    const here =
      parts.length === 0
        ? `not __fish_seen_subcommand_from ${topLevel.join(' ')}`
        : [...seen, ...notDeeper].join('; and ');
    const condition = shellQuote(here);
    for (const sub of node.subcommands) {
      const child = tree.find((n) => n.path === (node.path ? `${node.path} ${sub}` : sub));
      lines.push(
        `complete -c ${name} -f -n ${condition} -a ${sub} -d ${shellQuote(firstLine(child?.description ?? ''))}`,
      );
    }
    for (const flag of node.flags) {
      const spec = flag.names
        .map((n) => (n.startsWith('--') ? `-l ${n.slice(2)}` : `-s ${n.slice(1)}`))
        .join(' ');
      const value = flag.value;
      const argument =
        value === undefined || value === 'none'
          ? value === 'none'
            ? ' -x'
            : ''
          : value === 'env'
            ? ` -x -a ${shellQuote(`(${fn} env)`)}`
            : value === 'file'
              ? ' -r -F'
              : ` -x -a ${shellQuote(value.choices.join(' '))}`;
      lines.push(
        `complete -c ${name} -n ${condition} ${spec}${argument} -d ${shellQuote(firstLine(flag.description))}`,
      );
    }
    const positional = node.positional;
    if (positional === 'segments') {
      lines.push(`complete -c ${name} -f -n ${condition} -a ${shellQuote(`(${fn} segments)`)}`);
    } else if (typeof positional === 'object') {
      lines.push(
        `complete -c ${name} -f -n ${condition} -a ${shellQuote(positional.choices.join(' '))}`,
      );
    }
  }
  return lines.join('\n');
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}
