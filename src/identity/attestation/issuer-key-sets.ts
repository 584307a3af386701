/**
 * One jose key resolver per trusted issuer. Remote sets are kept across calls so that jose's own
 * cache applies: it fetches the JWKS once, refetches when a token names an unknown `kid` (at most
 * once per cooldown), and refreshes after `cacheMaxAge`. A set is rebuilt when the issuer's key
 * source changes (a new `jwksUri`, or different inline keys).
 */
import { createLocalJWKSet, createRemoteJWKSet, customFetch } from 'jose';
import type { JSONWebKeySet, LocalJWKSet, RemoteJWKSet, RemoteJWKSetOptions } from 'jose';
import type { TrustedIssuerRecord } from '../../core/store/records.js';
import { attestationFailed, quoted } from './attestation-error.js';

export type IssuerKeySet = LocalJWKSet | RemoteJWKSet;

export interface IssuerKeySetsOptions {
  fetch?: typeof fetch;
  /** How long after a fetch an unknown `kid` may not trigger another one. */
  cooldownMs: number;
  /** Abort a JWKS fetch after this long. */
  timeoutMs: number;
}

interface Entry {
  /** `uri:<url>` or `inline:<json>`; the set is rebuilt when it changes. */
  source: string;
  keySet: IssuerKeySet;
}

export class IssuerKeySets {
  // INVARIANT: keyed by the issuer of a record the caller's lookup returned, never by an unverified
  // `iss`, so the map holds at most one entry per configured issuer.
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly opts: IssuerKeySetsOptions) {}

  /** The resolver for an issuer's keys. Throws `jwks_unavailable` when the key source is unusable. */
  get(record: TrustedIssuerRecord): IssuerKeySet {
    const source = sourceOf(record);
    const cached = this.entries.get(record.issuer);
    if (cached && cached.source === source) return cached.keySet;
    const keySet = record.jwksUri !== null ? this.remote(record, record.jwksUri) : local(record);
    this.entries.set(record.issuer, { source, keySet });
    return keySet;
  }

  private remote(record: TrustedIssuerRecord, jwksUri: string): RemoteJWKSet {
    let url: URL;
    try {
      url = new URL(jwksUri);
    } catch (err) {
      throw attestationFailed(
        'jwks_unavailable',
        `issuer ${quoted(record.issuer)} has an invalid jwks uri`,
        err,
      );
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw attestationFailed(
        'jwks_unavailable',
        `issuer ${quoted(record.issuer)} has a jwks uri that is not http(s)`,
      );
    }
    const options: RemoteJWKSetOptions = {
      cooldownDuration: this.opts.cooldownMs,
      timeoutDuration: this.opts.timeoutMs,
    };
    if (this.opts.fetch) options[customFetch] = this.opts.fetch;
    return createRemoteJWKSet(url, options);
  }
}

function sourceOf(record: TrustedIssuerRecord): string {
  if ((record.jwksUri === null) === (record.jwks === null)) {
    throw attestationFailed(
      'jwks_unavailable',
      `issuer ${quoted(record.issuer)} must have exactly one of a jwks uri and inline jwks`,
    );
  }
  return record.jwksUri !== null
    ? `uri:${record.jwksUri}`
    : `inline:${JSON.stringify(record.jwks)}`;
}

function local(record: TrustedIssuerRecord): LocalJWKSet {
  try {
    return createLocalJWKSet(record.jwks as unknown as JSONWebKeySet);
  } catch (err) {
    throw attestationFailed(
      'jwks_unavailable',
      `issuer ${quoted(record.issuer)} has an invalid inline jwks`,
      err,
    );
  }
}
