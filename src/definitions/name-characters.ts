// Characters a segment name must not hold although they are printable in the Unicode sense: they
// are invisible, so two names that look the same are different segments in Wati (`V\u200BIP`
// next to `VIP`), or they reorder what a reader sees (`abc\u202Egnp.exe` reads "abcexe.png").
// Control characters are already refused by the schema (schemas/segment.schema.json).

const INVISIBLE_NAMES: Readonly<Record<number, string>> = {
  0x200b: 'ZERO WIDTH SPACE',
  0x200c: 'ZERO WIDTH NON-JOINER',
  0x200d: 'ZERO WIDTH JOINER',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x061c: 'ARABIC LETTER MARK',
  0x00ad: 'SOFT HYPHEN',
  0x180e: 'MONGOLIAN VOWEL SEPARATOR',
  0x2060: 'WORD JOINER',
  0xfeff: 'ZERO WIDTH NO-BREAK SPACE (byte order mark)',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
};

export interface InvisibleCharacter {
  /** `U+202E RIGHT-TO-LEFT OVERRIDE` */
  description: string;
  /** 1-based, counted in characters (code points) as a person counts them. */
  position: number;
  /** The visible characters just before it, to help find it (may be empty). */
  after: string;
}

/** The first invisible character of a name, if it has one. */
export function findInvisibleCharacter(name: string): InvisibleCharacter | undefined {
  const characters = [...name];
  for (let index = 0; index < characters.length; index++) {
    const character = characters[index]!;
    const code = character.codePointAt(0)!;
    const label =
      INVISIBLE_NAMES[code] ??
      (code >= 0xd800 && code <= 0xdfff ? 'a lone UTF-16 surrogate (half of a character)' : '');
    if (!label) continue;
    return {
      description: `U+${code.toString(16).toUpperCase().padStart(4, '0')} ${label}`,
      position: index + 1,
      after: characters.slice(Math.max(0, index - 10), index).join(''),
    };
  }
  return undefined;
}

/**
 * What separates two names that are equal once normalised (see `similarityKey`): each way counts
 * when leaving it out of the comparison would make the names different.
 */
const WAYS: ReadonlyArray<readonly [string, (text: string) => string]> = [
  ['Unicode normalisation (the same letters encoded differently)', (t) => t.normalize('NFKC')],
  ['letter case', (t) => t.toLowerCase()],
  ['spacing', (t) => t.replace(/\s+/gu, ' ').trim()],
];

/** The key under which names are "probably the same": normalised, lower case, spaces folded. */
export function similarityKey(name: string): string {
  return WAYS.reduce((text, [, normalise]) => normalise(text), name);
}

/** The ways two similar names differ, e.g. ['letter case', 'spacing']. */
export function describeNameDifference(a: string, b: string): string[] {
  const differences = WAYS.filter((_, skipped) => {
    const without = (text: string) =>
      WAYS.reduce((acc, [, normalise], index) => (index === skipped ? acc : normalise(acc)), text);
    return without(a) !== without(b);
  }).map(([description]) => description);
  if (differences.length > 0) return differences;
  // Two ways cover the same difference (NFKC turns a no-break space into a space): name the one a
  // person recognises, spacing or case before encoding.
  const alone = [...WAYS].reverse().find(([, normalise]) => normalise(a) === normalise(b));
  return alone ? [alone[0]] : WAYS.map(([description]) => description);
}
