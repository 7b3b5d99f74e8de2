// Property: whatever a server says around an echo of the token, in whatever encoding, and wherever
// the quoted message is cut, no run of MIN_PARTIAL_MATCH characters of the token (or of its
// URL-encoded or base64 forms) reaches the message segsync prints.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../src/wati/classify-create.js';
import { MIN_PARTIAL_MATCH, createRedactor } from '../../src/wati/redact.js';
import { tokenEchoes, secretForms } from './token-echoes.js';

/** Our own words around a quoted server message. */
const OUR_WORDS = 'Wati answered HTTP 400: [redacted] …';

function grams(text: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + MIN_PARTIAL_MATCH <= text.length; i++) {
    found.push(text.slice(i, i + MIN_PARTIAL_MATCH));
  }
  return found;
}

const token = fc.stringMatching(/^[A-Za-z0-9._~+/=-]{16,80}$/);
const surrounding = fc.string({ unit: 'binary', maxLength: 400 });

describe('redaction before truncation (property)', () => {
  it('leaves no fragment of the token in any quoted message', () => {
    fc.assert(
      fc.property(
        token,
        surrounding,
        surrounding,
        fc.constantFrom(...Object.keys(tokenEchoes)),
        (secret, before, after, echo) => {
          const secretGrams = secretForms(secret).flatMap(grams);
          // The server's own words and ours may not contain the token by chance.
          fc.pre(!secretGrams.some((gram) => `${before}\n${after}\n${OUR_WORDS}`.includes(gram)));
          const redact = createRedactor(secret);
          const body = tokenEchoes[echo]!(before, secret, after);
          const classification = classifyResponse(400, {}, body, redact);
          // The client redacts each final message once more, as here.
          const message = redact(classification.kind === 'created' ? '' : classification.message);
          for (const gram of secretGrams) expect(message).not.toContain(gram);
        },
      ),
      { numRuns: 300 },
    );
  });
});
