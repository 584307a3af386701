import type { TaskToken } from './agent-types.js';
import { MandateAgentError } from './errors.js';

/** Internal: signs DPoP proofs (the agent's `DpopKey`). */
export interface DpopSigner {
  proof(
    htm: string,
    htu: string,
    opts: { accessToken?: string | undefined; nonce?: string | undefined },
  ): Promise<string>;
}

/**
 * Options of `MandateAgent.taskFetch`.
 *
 * @example
 * const send = agent.taskFetch(task, { fetch: undiciFetchWithProxy });
 */
export interface TaskFetchOptions {
  /** The fetch to wrap. Default the global `fetch`. */
  fetch?: typeof fetch;
}

/** Internal wiring from `MandateAgent`: its DPoP key and the nonces servers gave it, by origin. */
export interface TaskFetchDeps {
  signer: DpopSigner | undefined;
  nonces: Map<string, string>;
  /** The `htu` for a request URL, when the server knows itself by another URL than the one fetched. */
  htu?: (url: string) => string;
}

/** How many origins' nonces an agent remembers. */
const MAX_NONCES = 256;

/**
 * A `fetch` that presents `task`'s token on every request: `Authorization: Bearer <token>`, or for
 * a DPoP-bound token `Authorization: DPoP <token>` and a fresh proof (RFC 9449 §7.1: its own
 * `jti`, `htm`, `htu`, `ath`, and the server's last nonce). A 401 `use_dpop_nonce` with a
 * `DPoP-Nonce` header is retried once with the new nonce (RFC 9449 §9). Internal: use `MandateAgent.taskFetch`.
 */
export function createTaskFetch(
  task: TaskToken,
  deps: TaskFetchDeps,
  options: TaskFetchOptions = {},
): typeof fetch {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (task.tokenType === 'DPoP' && deps.signer === undefined) {
    throw new MandateAgentError(
      'no_dpop_key',
      'this task token is dpop-bound; only a MandateAgent with `dpop: true` that holds its key can use it',
    );
  }
  return async (input, init) => {
    const request = new Request(input, init);
    const origin = new URL(request.url).origin;
    for (let attempt = 0; ; attempt++) {
      const headers = new Headers(request.headers);
      headers.set('authorization', `${task.tokenType} ${task.accessToken}`);
      if (task.tokenType === 'DPoP') {
        const htu = deps.htu ? deps.htu(request.url) : request.url;
        headers.set(
          'dpop',
          await deps.signer!.proof(request.method, htu, {
            accessToken: task.accessToken,
            nonce: deps.nonces.get(origin),
          }),
        );
      }
      // A clone per attempt keeps the body readable for the one retry.
      const res = await fetchImpl(new Request(request.clone(), { headers }));
      const nonce = res.headers.get('dpop-nonce');
      if (nonce) remember(deps.nonces, origin, nonce);
      if (
        task.tokenType === 'DPoP' &&
        attempt === 0 &&
        nonce &&
        res.status === 401 &&
        /error="use_dpop_nonce"/.test(res.headers.get('www-authenticate') ?? '')
      ) {
        await res.body?.cancel();
        continue;
      }
      return res;
    }
  };
}

function remember(nonces: Map<string, string>, origin: string, nonce: string): void {
  nonces.delete(origin);
  if (nonces.size >= MAX_NONCES) nonces.delete(nonces.keys().next().value as string);
  nonces.set(origin, nonce);
}
