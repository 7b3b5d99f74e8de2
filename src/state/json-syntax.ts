// Locates the first JSON syntax error as line:column. Node 20's JSON.parse reports a position for
// some errors only ("Unexpected token ..., is not valid JSON" has none), and its wording differs
// between Node 20, 22 and 24, so after JSON.parse has failed we re-scan the text with this small
// RFC 8259 checker to point the user at the spot. Kept rather than jsonc-parser (checked against
// it): that parser reports an error inside a string (a raw line break, a bad escape) at the
// string's first quote, where this checker points at the offending character.

export interface JsonSyntaxProblem {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units (what editors show). */
  column: number;
  message: string;
}

/** Unwinds the recursive scan at the first problem. */
class SyntaxStop extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPABLE = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const DIGIT = /[0-9]/;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** Returns the first syntax problem in `text`, or undefined when it is valid JSON. */
export function locateJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  try {
    new JsonScanner(text).document();
    return undefined;
  } catch (error) {
    if (!(error instanceof SyntaxStop)) throw error;
    return { ...lineColumnAt(text, error.offset), message: error.message };
  }
}

export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index++) {
    if (text[index] === '\n') {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

class JsonScanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.skipWhitespace();
    this.value();
    this.skipWhitespace();
    if (this.pos < this.text.length)
      this.fail(`unexpected ${this.describe()} after the end of the JSON value`);
  }

  private value(): void {
    const char = this.text[this.pos];
    if (char === '{') return this.object();
    if (char === '[') return this.array();
    if (char === '"') return this.string();
    if (char === 't') return this.literal('true');
    if (char === 'f') return this.literal('false');
    if (char === 'n') return this.literal('null');
    if (char === '-' || (char !== undefined && DIGIT.test(char))) return this.number();
    this.fail(`unexpected ${this.describe()}, expected a value`);
  }

  private object(): void {
    this.pos++; // {
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') {
        this.fail(`unexpected ${this.describe()}, expected a double-quoted property name`);
      }
      this.string();
      this.skipWhitespace();
      this.expect(':', 'after the property name');
      this.skipWhitespace();
      this.value();
      this.skipWhitespace();
      if (this.text[this.pos] === ',') {
        this.pos++;
        continue;
      }
      this.expect('}', 'after a property value (or a missing comma)');
      return;
    }
  }

  private array(): void {
    this.pos++; // [
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      this.value();
      this.skipWhitespace();
      if (this.text[this.pos] === ',') {
        this.pos++;
        continue;
      }
      this.expect(']', 'after an array item (or a missing comma)');
      return;
    }
  }

  private string(): void {
    const start = this.pos;
    this.pos++; // opening quote
    for (;;) {
      const char = this.text[this.pos];
      if (char === undefined) this.fail('unterminated string', start);
      if (char === '"') {
        this.pos++;
        return;
      }
      if (char < ' ') this.fail('control character (such as a line break) inside a string');
      if (char === '\\') {
        const escaped = this.text[this.pos + 1];
        if (escaped === 'u') {
          if (!HEX4.test(this.text.slice(this.pos + 2, this.pos + 6))) {
            this.fail('invalid \\u escape, expected 4 hex digits');
          }
          this.pos += 6;
          continue;
        }
        if (escaped === undefined || !ESCAPABLE.has(escaped)) this.fail('invalid escape sequence');
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
  }

  private number(): void {
    if (this.text[this.pos] === '-') this.pos++;
    if (this.text[this.pos] === '0') {
      this.pos++;
    } else {
      this.digits('in a number');
    }
    if (this.text[this.pos] === '.') {
      this.pos++;
      this.digits('after the decimal point');
    }
    const exponent = this.text[this.pos];
    if (exponent === 'e' || exponent === 'E') {
      this.pos++;
      const sign = this.text[this.pos];
      if (sign === '+' || sign === '-') this.pos++;
      this.digits('in the exponent');
    }
  }

  private digits(where: string): void {
    const start = this.pos;
    while (DIGIT.test(this.text[this.pos] ?? '')) this.pos++;
    if (this.pos === start) this.fail(`unexpected ${this.describe()}, expected a digit ${where}`);
  }

  private literal(word: string): void {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return;
    }
    this.fail(`unexpected ${this.describe()}, expected a value (did you mean ${word}?)`);
  }

  private expect(char: string, where: string): void {
    if (this.text[this.pos] === char) {
      this.pos++;
      return;
    }
    this.fail(`unexpected ${this.describe()}, expected '${char}' ${where}`);
  }

  private skipWhitespace(): void {
    while (WHITESPACE.has(this.text[this.pos] ?? '')) this.pos++;
  }

  private describe(): string {
    const char = this.text[this.pos];
    if (char === undefined) return 'end of file';
    if (char === '\n' || char === '\r') return 'line break';
    return `'${char}'`;
  }

  private fail(message: string, offset = this.pos): never {
    throw new SyntaxStop(offset, message);
  }
}
