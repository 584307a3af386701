import { readFileSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import type { RequestContext } from '../core/context.js';
import { MandateError } from '../core/errors.js';
import { newId } from '../core/random.js';
import type { CaRecord, Store } from '../core/store/index.js';
import type { CryptoKey } from '../core/webcrypto.js';
import type { Sealer } from './keys/sealing.js';
import {
  createIntermediateCa,
  createSelfSignedCa,
  importCaKey,
  issueX509Svid,
} from './x509/index.js';

export interface CaOptions {
  trustDomain: string;
  caTtlSeconds: number;
  /** Operator-supplied upstream CA (PEM files): Mandate's CA becomes its intermediate. */
  upstream?: { certFile: string; keyFile: string; chainFile?: string } | undefined;
}

export interface IssuedX509Svid {
  certPem: string;
  chainPems: string[];
  notBefore: number;
  notAfter: number;
  serial: string;
  caId: string;
}

interface LoadedCa {
  record: CaRecord;
  privateKey: CryptoKey;
}

const aad = (id: string): string => `mandate:ca:${id}`;

/** The trust domain's X.509 CA: created at first start, loaded (unsealed) once after. */
export class CaManager {
  private loaded: LoadedCa | undefined;

  constructor(
    private readonly store: Store,
    private readonly sealer: Sealer,
    private readonly clock: Clock,
    private readonly options: CaOptions,
  ) {}

  async initialize(ctx: RequestContext): Promise<void> {
    const existing = (await this.store.read.cas.list()).find(
      (c) => c.state === 'active' && c.notAfter > this.clock.now(),
    );
    if (existing) return;
    const now = this.clock.now();
    const material = this.options.upstream
      ? await createIntermediateCa({
          trustDomain: this.options.trustDomain,
          ttlSeconds: this.options.caTtlSeconds,
          now,
          upstreamCertPem: readPem(this.options.upstream.certFile, 'ca.upstreamCert'),
          upstreamKeyPem: readPem(this.options.upstream.keyFile, 'ca.upstreamKey'),
          ...(this.options.upstream.chainFile
            ? {
                upstreamChainPems: splitPems(
                  readPem(this.options.upstream.chainFile, 'ca.upstreamChain'),
                ),
              }
            : {}),
        })
      : await createSelfSignedCa({
          trustDomain: this.options.trustDomain,
          ttlSeconds: this.options.caTtlSeconds,
          now,
        });
    const id = newId();
    const record: CaRecord = {
      id,
      certPem: material.certPem,
      chainPems: material.chainPems,
      rootPems: material.rootPems,
      sealedPrivateKey: this.sealer.seal(material.privateKeyPkcs8Pem, aad(id)),
      notBefore: material.notBefore,
      notAfter: material.notAfter,
      state: 'active',
      createdAt: now,
    };
    await this.store.transaction(async (tx) => {
      for (const old of await tx.cas.list())
        if (old.state === 'active') await tx.cas.update({ ...old, state: 'retired' });
      await tx.cas.insert(record);
      await tx.audit.append({
        actor: ctx.actor,
        action: 'ca.create',
        target: `ca:${id}`,
        outcome: 'success',
        requestId: ctx.requestId,
        details: { upstream: Boolean(this.options.upstream), notAfter: record.notAfter },
      });
    });
    this.loaded = undefined;
  }

  private async active(): Promise<LoadedCa> {
    if (this.loaded && this.loaded.record.notAfter > this.clock.now()) return this.loaded;
    const record = (await this.store.read.cas.list()).find((c) => c.state === 'active');
    if (!record)
      throw new MandateError('unavailable', 'no active X.509 CA; restart the server to create one');
    const privateKey = await importCaKey(this.sealer.open(record.sealedPrivateKey, aad(record.id)));
    this.loaded = { record, privateKey };
    return this.loaded;
  }

  /** Signs an X.509-SVID for `spiffeId` from a PEM CSR. */
  async issue(csrPem: string, spiffeId: string, ttlSeconds: number): Promise<IssuedX509Svid> {
    const { record, privateKey } = await this.active();
    const svid = await issueX509Svid({
      ca: { certPem: record.certPem, chainPems: record.chainPems, privateKey },
      csrPem,
      spiffeId,
      ttlSeconds,
      now: this.clock.now(),
    });
    return { ...svid, caId: record.id };
  }

  /** Trust anchors for X.509-SVIDs of this trust domain, for the bundle. */
  async roots(): Promise<string[]> {
    const now = this.clock.now();
    const roots = (await this.store.read.cas.list())
      .filter((c) => c.notAfter > now)
      .flatMap((c) => c.rootPems);
    return [...new Set(roots)];
  }
}

function readPem(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new MandateError(
      'invalid_config',
      `\`${key}\`: cannot read \`${path}\`; expected a PEM file`,
      undefined,
      { cause },
    );
  }
}

/** Splits a PEM bundle into its certificates. */
export function splitPems(pem: string): string[] {
  return (
    pem
      .match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)
      ?.map((p) => `${p}\n`) ?? []
  );
}
