/**
 * How upstream names appear to agents. Tools and prompts of upstream `mail` are exposed as
 * `mail__send_email`: `__` keeps the name within the MCP 2025-11-25 tool-name characters
 * (`A-Z a-z 0-9 _ - .`) and within the stricter function-name rules of the common LLM APIs
 * (which refuse `.`); an upstream name cannot hold `_`, so the first `__` always ends it and the
 * rest is the upstream's own name, whatever it contains. Resource URIs get the upstream as a
 * scheme prefix: `mail+test://inbox` (the upstream name starts with a letter and holds no `+`,
 * so `<name>+<scheme>` is a valid scheme and the first `+` ends it). Policy sees
 * `<server>/<tool>` (the catalog id) whatever the exposed form.
 *
 * An upstream configured with `namespace: false` keeps its own names; exposed names are resolved
 * to a namespaced upstream first, so it cannot shadow one.
 */

export const NAME_SEPARATOR = '__';
export const URI_SEPARATOR = '+';

export interface NamedUpstream {
  name: string;
  namespaced: boolean;
}

/** What an exposed name or URI stands for. */
export interface Resolved {
  server: string;
  /** The upstream's own tool/prompt name or resource URI. */
  name: string;
}

export class Namer {
  readonly #namespaced = new Set<string>();
  readonly #bare: string | undefined;

  constructor(upstreams: readonly NamedUpstream[]) {
    for (const u of upstreams) if (u.namespaced) this.#namespaced.add(u.name);
    this.#bare = upstreams.find((u) => !u.namespaced)?.name;
  }

  /** The name an agent sees for `server`'s tool or prompt `name`, or undefined when it would be shadowed. */
  exposeName(server: string, name: string): string | undefined {
    if (this.#namespaced.has(server)) return `${server}${NAME_SEPARATOR}${name}`;
    // A bare name that reads as a namespaced one would resolve to that upstream instead: hide it.
    return this.#splitName(name) ? undefined : name;
  }

  resolveName(exposed: string): Resolved | undefined {
    return (
      this.#splitName(exposed) ??
      (this.#bare !== undefined && exposed.length > 0
        ? { server: this.#bare, name: exposed }
        : undefined)
    );
  }

  exposeUri(server: string, uri: string): string | undefined {
    if (this.#namespaced.has(server)) return `${server}${URI_SEPARATOR}${uri}`;
    return this.#splitUri(uri) ? undefined : uri;
  }

  resolveUri(exposed: string): Resolved | undefined {
    return (
      this.#splitUri(exposed) ??
      (this.#bare !== undefined && exposed.length > 0
        ? { server: this.#bare, name: exposed }
        : undefined)
    );
  }

  #splitName(exposed: string): Resolved | undefined {
    const at = exposed.indexOf(NAME_SEPARATOR);
    if (at <= 0) return undefined;
    const server = exposed.slice(0, at);
    const name = exposed.slice(at + NAME_SEPARATOR.length);
    return this.#namespaced.has(server) && name.length > 0 ? { server, name } : undefined;
  }

  #splitUri(exposed: string): Resolved | undefined {
    const at = exposed.indexOf(URI_SEPARATOR);
    if (at <= 0) return undefined;
    const server = exposed.slice(0, at);
    const name = exposed.slice(at + URI_SEPARATOR.length);
    return this.#namespaced.has(server) && name.length > 0 ? { server, name } : undefined;
  }
}
