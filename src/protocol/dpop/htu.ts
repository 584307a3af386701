/**
 * RFC 9449 §4.3 step 9: a proof's `htu` is compared with the request URL after RFC 3986
 * §6.2.2–§6.2.3 normalization, without query and fragment. Returns undefined when the value is
 * not an http(s) URL. WHATWG parsing lowercases scheme and host, drops a default port, removes
 * dot segments and turns an empty path into `/`; percent escapes of unreserved characters are
 * decoded and the others uppercased here.
 *
 * @example normalizeHtu('HTTPS://Tools.Example.org:443/a/../mcp?x=1') // 'https://tools.example.org/mcp'
 */
export function normalizeHtu(value: string): string | undefined {
  // WHATWG parsing would silently strip these; a URI cannot contain them.
  if (/[\s\p{Cc}]/u.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  url.search = '';
  url.hash = '';
  return url.href.replace(/%[0-9A-Fa-f]{2}/g, (escape) => {
    const char = String.fromCharCode(parseInt(escape.slice(1), 16));
    return /[A-Za-z0-9\-._~]/.test(char) ? char : escape.toUpperCase();
  });
}
