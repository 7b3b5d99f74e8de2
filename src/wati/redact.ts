// Defence in depth: messages are built from our own words and the server's text, never from got
// error objects; still, a server (or a proxy) may echo request headers back in its error body.

const REDACTED = '[redacted]';

/** Replaces every occurrence of `secret` (also JSON- and URL-escaped) and any bearer credential. */
export function redactSecret(text: string, secret: string): string {
  let result = text;
  if (secret !== '') {
    const variants = new Set([
      secret,
      JSON.stringify(secret).slice(1, -1),
      secret.replaceAll('/', '\\/'),
      encodeURIComponent(secret),
    ]);
    for (const variant of variants) result = result.replaceAll(variant, REDACTED);
  }
  // Whatever credential follows "Bearer" is hidden too, even if it is not ours or was cut short.
  return result.replace(/\b(bearer)(\s+|%20|\+)(?!\[redacted\])[^\s"'<>,;]+/gi, `$1 ${REDACTED}`);
}
