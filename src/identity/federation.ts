import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import type { FederatedDomainRecord, Store } from '../core/store/index.js';
import { canonicalDigest } from '../core/canonical-json.js';

type Bundle = FederatedDomainRecord['bundle'];

/**
 * SPIFFE federation: other trust domains whose JWT-SVIDs Mandate accepts (where trust rules
 * allow). Each domain's bundle is kept apart, keyed by trust domain; a bundle endpoint is
 * polled at its `spiffe_refresh_hint`, and a bundle whose `spiffe_sequence` goes backwards
 * is refused.
 */
export class FederationService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly defaultRefreshSeconds = 300,
  ) {}

  async put(
    trustDomain: string,
    endpoint: string | null,
    bundle: Bundle | null,
    ctx: RequestContext,
  ): Promise<FederatedDomainRecord> {
    const fetched = endpoint ? await this.fetchBundle(endpoint) : checkBundle(bundle);
    const now = this.clock.now();
    const existing = await this.store.read.federation.get(trustDomain);
    const record: FederatedDomainRecord = {
      trustDomain,
      bundleEndpoint: endpoint,
      bundle: fetched,
      refreshedAt: now,
      createdAt: existing?.createdAt ?? now,
    };
    await this.store.transaction(async (tx) => {
      await tx.federation.upsert(record);
      await tx.audit.append({
        actor: ctx.actor,
        action: 'federation.put',
        target: `spiffe://${trustDomain}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: { endpoint, keys: fetched.keys.length, sequence: fetched.spiffe_sequence ?? null },
      });
    });
    return record;
  }

  list(): Promise<FederatedDomainRecord[]> {
    return this.store.read.federation.list();
  }

  /** Re-fetches bundles whose refresh hint has passed. Returns how many changed. */
  async refreshDue(): Promise<number> {
    let changed = 0;
    for (const d of await this.store.read.federation.list()) {
      if (!d.bundleEndpoint) continue;
      // A hint is the publisher's wish; poll at least daily so a bad hint cannot stop refreshes.
      const hint =
        Math.min(d.bundle.spiffe_refresh_hint ?? this.defaultRefreshSeconds, 86_400) * 1000;
      if (this.clock.now() - d.refreshedAt < hint) continue;
      try {
        const bundle = await this.fetchBundle(d.bundleEndpoint);
        if ((bundle.spiffe_sequence ?? 0) < (d.bundle.spiffe_sequence ?? 0)) continue;
        const same = canonicalDigest(bundle) === canonicalDigest(d.bundle);
        await this.store.transaction(async (tx) => {
          await tx.federation.upsert({ ...d, bundle, refreshedAt: this.clock.now() });
          if (same) return;
          await tx.audit.append({
            actor: 'system',
            action: 'federation.refresh',
            target: `spiffe://${d.trustDomain}`,
            outcome: 'success',
            requestId: null,
            details: { keys: bundle.keys.length, sequence: bundle.spiffe_sequence ?? null },
          });
        });
        if (!same) changed++;
      } catch {
        // Keep the last good bundle; the next tick tries again.
      }
    }
    return changed;
  }

  async remove(trustDomain: string, ctx: RequestContext): Promise<void> {
    await this.store.transaction(async (tx) => {
      if (!(await tx.federation.delete(trustDomain)))
        throw new MandateError('not_found', `trust domain \`${trustDomain}\` is not federated`);
      await tx.audit.append({
        actor: ctx.actor,
        action: 'federation.delete',
        target: `spiffe://${trustDomain}`,
        outcome: 'success',
        requestId: ctx.requestId,
      });
    });
  }

  private async fetchBundle(endpoint: string): Promise<Bundle> {
    const url = new URL(endpoint);
    // SPIFFE federation §5.2.1: bundle endpoints are authenticated with WebPKI; plain http only on loopback.
    if (url.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
      throw new MandateError(
        'invalid_request',
        'a SPIFFE bundle endpoint must be https (plain http is allowed only on loopback)',
      );
    }
    let res: Response;
    try {
      res = await this.fetchImpl(endpoint, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(5000),
      });
    } catch (cause) {
      throw new MandateError(
        'unavailable',
        `cannot fetch the SPIFFE bundle from \`${endpoint}\``,
        undefined,
        { cause },
      );
    }
    if (!res.ok)
      throw new MandateError(
        'unavailable',
        `the SPIFFE bundle endpoint \`${endpoint}\` answered ${res.status}`,
      );
    const text = await res.text();
    if (text.length > 1_000_000)
      throw new MandateError(
        'unavailable',
        `the SPIFFE bundle at \`${endpoint}\` is larger than 1 MB`,
      );
    let parsed: Bundle | null = null;
    try {
      parsed = JSON.parse(text) as Bundle;
    } catch {
      // reported by checkBundle
    }
    return checkBundle(parsed);
  }
}

function checkBundle(bundle: Bundle | null): Bundle {
  if (!bundle || !Array.isArray(bundle.keys))
    throw new MandateError(
      'invalid_request',
      'a SPIFFE bundle is a JWKS object with a `keys` array',
    );
  // The refresh compares sequences and waits for the hint: a non-number would defeat both.
  const seq: unknown = bundle.spiffe_sequence;
  const hint: unknown = bundle.spiffe_refresh_hint;
  if (seq !== undefined && !(Number.isSafeInteger(seq) && (seq as number) >= 0))
    throw new MandateError('invalid_request', '`spiffe_sequence` must be a non-negative integer');
  if (hint !== undefined && !(Number.isSafeInteger(hint) && (hint as number) > 0))
    throw new MandateError(
      'invalid_request',
      '`spiffe_refresh_hint` must be a positive integer (seconds)',
    );
  for (const k of bundle.keys) {
    if (typeof k !== 'object' || k === null || typeof k.kty !== 'string')
      throw new MandateError('invalid_request', 'every bundle key needs a `kty`');
    // `d`: an asymmetric private key; `k`: a symmetric secret. A bundle holds public keys only.
    if ('d' in k || 'k' in k)
      throw new MandateError('invalid_request', 'a bundle must not contain private keys');
    if (k.use === 'jwt-svid' && typeof k.kid !== 'string')
      throw new MandateError('invalid_request', 'every `jwt-svid` bundle key needs a `kid`');
  }
  return bundle;
}
