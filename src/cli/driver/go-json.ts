// Byte-exact imitation of Go's encoding/json for the two shapes the driver and kubelet marshal:
// `map[string]string` (attributes, secrets) and `map[string]TokenRequestStatus` (the tokens value).
// JSON.stringify differs from Go in three ways that a provider could observe: Go sorts map keys
// (by UTF-8 bytes), escapes `<`, `>`, `&`, U+2028 and U+2029 (HTML-safe output), and sees
// invalid UTF-16 (lone surrogates) as U+FFFD. Matching them keeps provider parsers honest.

const hex = '0123456789abcdef';

/** Go's `encodeState.string` with escapeHTML on (the default for json.Marshal, Go >= 1.22). */
export function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      default:
        break;
    }
    if (cp < 0x20 || ch === '<' || ch === '>' || ch === '&') {
      out += '\\u00' + hex.charAt(cp >> 4) + hex.charAt(cp & 0xf);
    } else if (cp === 0x2028 || cp === 0x2029) {
      out += '\\u' + cp.toString(16);
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      // A lone surrogate reaches Go as U+FFFD (JSON decoding and UTF-8 encoding both substitute
      // it), and Go writes that valid rune literally.
      out += '\ufffd';
    } else {
      out += ch;
    }
  }
  return out + '"';
}

/** Go sorts map keys by their UTF-8 bytes, which differs from UTF-16 order above U+D7FF. */
export function goSortedKeys(record: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(record).sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/** json.Marshal(map[string]string); `null` models a nil Go map. */
export function goMarshalStringMap(record: Readonly<Record<string, string>> | null): string {
  if (record === null) return 'null';
  const parts = goSortedKeys(record).map((key) => `${goQuote(key)}:${goQuote(record[key] ?? '')}`);
  return `{${parts.join(',')}}`;
}

/** One `authenticationv1.TokenRequestStatus`: struct field order is token, expirationTimestamp. */
export interface TokenRequestStatus {
  token: string;
  expirationTimestamp: string;
}

/** json.Marshal(map[string]authenticationv1.TokenRequestStatus), as kubelet builds the tokens value. */
export function goMarshalTokenStatuses(statuses: Readonly<Record<string, TokenRequestStatus>>): string {
  const parts = goSortedKeys(statuses).map((audience) => {
    const status = statuses[audience] ?? { token: '', expirationTimestamp: '' };
    return `${goQuote(audience)}:{"token":${goQuote(status.token)},"expirationTimestamp":${goQuote(status.expirationTimestamp)}}`;
  });
  return `{${parts.join(',')}}`;
}
