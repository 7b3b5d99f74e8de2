// Ways a server can echo the API token back inside its answer, for redaction tests: every
// encoding a server, proxy or framework is known to use, in JSON, text and HTML bodies.

type Echo = (before: string, token: string, after: string) => string;

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** JSON the way .NET's default encoder writes it: ASCII other than letters and digits as \uXXXX. */
function dotnetJson(message: string): string {
  const escaped = Array.from(message, (char) => {
    const code = char.charCodeAt(0);
    if (/[A-Za-z0-9 ]/.test(char) || code >= 0x80) return JSON.stringify(char).slice(1, -1);
    return `\\u${code.toString(16).padStart(4, '0').toUpperCase()}`;
  }).join('');
  return `{"message":"${escaped}"}`;
}

const htmlEntities = (text: string) =>
  Array.from(text, (char) => `&#${char.codePointAt(0)};`).join('');

export const tokenEchoes: Record<string, Echo> = {
  'raw in JSON': (b, t, a) => JSON.stringify({ message: `${b}${t}${a}` }),
  '.NET-escaped JSON': (b, t, a) => dotnetJson(`${b}${t}${a}`),
  'URL-encoded in JSON': (b, t, a) =>
    JSON.stringify({ message: `${b}${encodeURIComponent(t)}${a}` }),
  'lower-case URL-encoded in text': (b, t, a) =>
    `${b}${encodeURIComponent(t).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}${a}`,
  'base64 of the header in JSON': (b, t, a) =>
    JSON.stringify({ message: `${b}${b64(`Bearer ${t}`)}${a}` }),
  'base64 alone in text': (b, t, a) => `${b}${b64(t)}${a}`,
  'base64url of the header in text': (b, t, a) => `${b}${b64url(`x:${t}`)}${a}`,
  'raw in text': (b, t, a) => `${b}${t}${a}`,
  'raw in an HTML title': (b, t, a) => `<html><title>${b}${t}${a}</title></html>`,
  'HTML entities in a title': (b, t, a) => `<html><title>${b}${htmlEntities(t)}${a}</title></html>`,
};

/**
 * The forms of the token whose fragments must never be printed: the token, its URL encoding and
 * the parts of its base64 forms that encode only the token's own bytes.
 */
export function secretForms(token: string): string[] {
  const forms = [token, encodeURIComponent(token)];
  const bytes = Buffer.from(token, 'utf8');
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes, Buffer.alloc(3)]).toString(
      'base64',
    );
    const core = encoded.slice(
      Math.ceil((offset * 8) / 6),
      Math.floor(((offset + bytes.length) * 8) / 6),
    );
    forms.push(core, core.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return forms;
}
