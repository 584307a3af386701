import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, verifyWebhook } from '../../../src/delegation/webhook-signature.js';

export interface Delivery {
  id: string;
  type: string;
  body: string;
  json: { id: string; type: string; created_at: string; data: Record<string, unknown> };
  signature: string;
  /** Whether the signature verified against the shared secret at receipt. */
  verified: boolean;
}

/**
 * A webhook receiver on a loopback port, as an operator would write one: it reads the raw body,
 * verifies `Mandate-Signature` with the shared secret before believing anything, and answers 2xx.
 * `failNext` makes it answer 503 that many times first (to see the retries).
 */
export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  /** Every request, verified or not, failed or not. */
  attempts = 0;
  failNext = 0;
  url = '';
  readonly #waiters: { match: (d: Delivery) => boolean; resolve: (d: Delivery) => void }[] = [];
  #server: Server | undefined;

  constructor(readonly secret: string) {}

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.attempts++;
        if (this.failNext > 0) {
          this.failNext--;
          res.writeHead(503).end();
          return;
        }
        const body = Buffer.concat(chunks).toString('utf8');
        const signature = String(req.headers[SIGNATURE_HEADER] ?? '');
        const verified = verifyWebhook(
          this.secret,
          body,
          signature,
          Math.floor(Date.now() / 1000),
        ).ok;
        const json = JSON.parse(body) as Delivery['json'];
        const d: Delivery = { id: json.id, type: json.type, body, json, signature, verified };
        this.deliveries.push(d);
        res.writeHead(verified ? 204 : 401).end();
        for (const w of [...this.#waiters]) {
          if (w.match(d)) {
            this.#waiters.splice(this.#waiters.indexOf(w), 1);
            w.resolve(d);
          }
        }
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hooks/mandate`;
    return this;
  }

  /** The first delivery (already received or still to come) that matches. */
  waitFor(match: (d: Delivery) => boolean): Promise<Delivery> {
    const seen = this.deliveries.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  close(): Promise<void> {
    return new Promise((resolve) =>
      this.#server ? this.#server.close(() => resolve()) : resolve(),
    );
  }
}
