/**
 * A small user agent for the sign-in suites: a cookie jar (host-only cookies, Path, Max-Age
 * deletion; cookies are per host, not per port, as in browsers), redirects followed by hand,
 * and HTML forms filled in and posted with the `Origin` a browser sends.
 */
export interface Page {
  url: string;
  status: number;
  html: string;
  headers: Headers;
}

interface Cookie {
  value: string;
  path: string;
}

export class Browser {
  /** host → name → cookie. */
  readonly jar = new Map<string, Map<string, Cookie>>();
  /** Every URL visited, in order. */
  readonly visited: string[] = [];

  cookie(host: string, name: string): string | undefined {
    return this.jar.get(host)?.get(name)?.value;
  }

  /** The Cookie header this browser would send to `url`. */
  cookieHeader(url: string): string {
    const u = new URL(url);
    return [...(this.jar.get(u.hostname) ?? new Map<string, Cookie>())]
      .filter(([, c]) => u.pathname.startsWith(c.path))
      .map(([n, c]) => `${n}=${c.value}`)
      .join('; ');
  }

  async get(url: string): Promise<Page> {
    return this.navigate('GET', url);
  }

  /** Fills the first form on `page` (or the one whose action contains `actionPart`) and submits it. */
  async submit(
    page: Page,
    fields: Record<string, string | string[]>,
    actionPart?: string,
    stopAt?: string,
  ): Promise<Page> {
    const form = forms(page.html).find(
      (f) => actionPart === undefined || f.action.includes(actionPart),
    );
    if (!form)
      throw new Error(
        `no form${actionPart ? ` posting to ${actionPart}` : ''} on ${page.url}:\n${page.html.slice(0, 500)}`,
      );
    const body = new URLSearchParams();
    for (const [k, v] of form.fields) if (!(k in fields)) body.append(k, v);
    for (const [k, v] of Object.entries(fields))
      for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
    return this.navigate(
      form.method,
      new URL(form.action, page.url).href,
      body,
      new URL(page.url).origin,
      stopAt,
    );
  }

  /** One request with this browser's cookies, then its redirects (not into a URL starting with `stopAt`: the page is then that URL, unvisited). */
  async navigate(
    method: string,
    url: string,
    body?: URLSearchParams,
    origin?: string,
    stopAt?: string,
  ): Promise<Page> {
    let current = url;
    let m = method;
    let b = body;
    for (let hop = 0; hop < 20; hop++) {
      this.visited.push(current);
      const headers: Record<string, string> = {
        accept: 'text/html',
        cookie: this.cookieHeader(current),
      };
      if (b) headers['content-type'] = 'application/x-www-form-urlencoded';
      if (m !== 'GET' && origin) headers.origin = origin;
      const res = await fetch(current, {
        method: m,
        headers,
        redirect: 'manual',
        ...(b ? { body: b.toString() } : {}),
      });
      this.store(current, res.headers.getSetCookie());
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        current = new URL(location, current).href;
        await res.body?.cancel();
        if (stopAt && current.startsWith(stopAt))
          return { url: current, status: res.status, html: '', headers: res.headers };
        if (res.status !== 307 && res.status !== 308) {
          m = 'GET';
          b = undefined;
        }
        continue;
      }
      return { url: current, status: res.status, html: await res.text(), headers: res.headers };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  private store(url: string, setCookies: string[]): void {
    const host = new URL(url).hostname;
    for (const line of setCookies) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attr = (n: string) =>
        attrs.find((a) => a.toLowerCase().startsWith(`${n}=`))?.slice(n.length + 1);
      const jar = this.jar.get(host) ?? new Map<string, Cookie>();
      this.jar.set(host, jar);
      const maxAge = attr('max-age');
      const expires = attr('expires');
      if (
        (maxAge !== undefined && Number(maxAge) <= 0) ||
        (expires !== undefined && Date.parse(expires) <= Date.now())
      )
        jar.delete(name);
      else jar.set(name, { value, path: attr('path') ?? '/' });
    }
  }
}

interface Form {
  action: string;
  method: string;
  fields: [string, string][];
}

const attrOf = (tag: string, name: string): string | undefined =>
  new RegExp(`\\s${name}="([^"]*)"`, 'iu')
    .exec(tag)?.[1]
    ?.replace(/&amp;/gu, '&')
    .replace(/&quot;/gu, '"')
    .replace(/&#39;/gu, "'")
    .replace(/&lt;/gu, '<')
    .replace(/&gt;/gu, '>');

/** The forms of a page, with their hidden and prefilled inputs (checked checkboxes included). */
export function forms(html: string): Form[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/giu)].map((m) => {
    const fields: [string, string][] = [];
    for (const input of m[2]!.matchAll(/<input\b[^>]*>/giu)) {
      const name = attrOf(input[0], 'name');
      if (!name) continue;
      const type = (attrOf(input[0], 'type') ?? 'text').toLowerCase();
      if ((type === 'checkbox' || type === 'radio') && !/\schecked\b/iu.test(input[0])) continue;
      const value = attrOf(input[0], 'value');
      if (value !== undefined || type === 'hidden') fields.push([name, value ?? '']);
    }
    return {
      action: attrOf(m[1]!, 'action') ?? '',
      method: (attrOf(m[1]!, 'method') ?? 'GET').toUpperCase(),
      fields,
    };
  });
}
