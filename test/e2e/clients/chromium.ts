// The human, in a real browser: Debian's Chromium driven by playwright-core (which never downloads a
// browser of its own; .ci/run installs `chromium` with apt). The human signs in to Mandate (the
// local admin sign-in, or the organisation's identity provider), reads the consent page an MCP
// host sent them to, accepts or narrows it, and revokes grants in the inbox.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does it)`);
  // --no-sandbox: the suites run as root in a container, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** How the human signs in when Mandate asks: the admin token, or a login at the identity provider. */
export type SignIn = { kind: 'admin'; token: string } | { kind: 'oidc'; login: string };

/** A page the browser loaded as a document: what a test may check about it. */
export interface Loaded {
  url: string;
  status: number;
  headers: Record<string, string>;
}

/** What the human does on the consent page. */
export interface ConsentAnswer {
  /** Scopes left checked (the others are unchecked); all of them when absent. */
  keep?: string[];
  /** The duration field, in seconds; left as offered when absent. */
  seconds?: number;
  /** Refuse instead of allowing. */
  deny?: boolean;
}

/** What the human saw on the consent page. */
export interface ConsentSeen {
  /** The page's visible text. */
  text: string;
  html: string;
  /** The consent page's own response. */
  response: Loaded;
  /** The scopes offered as checkboxes. */
  scopes: string[];
}

export class Human {
  readonly loaded: Loaded[] = [];
  readonly consents: ConsentSeen[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly mandateUrl: string,
    readonly signIn: SignIn,
  ) {
    page.on('response', (res) => {
      if (res.request().isNavigationRequest() && res.request().frame() === page.mainFrame())
        this.loaded.push({ url: res.url(), status: res.status(), headers: res.headers() });
    });
  }

  /** A fresh browser profile (no cookies) for one human. */
  static async in(browser: Browser, mandateUrl: string, signIn: SignIn): Promise<Human> {
    const context = await browser.newContext();
    return new Human(context, await context.newPage(), mandateUrl, signIn);
  }

  /**
   * Follows an authorization URL: signs in when Mandate asks, answers the consent page, and lets
   * the redirect reach the host (the page then shows the host's loopback redirect).
   */
  async authorize(url: URL, answer: ConsentAnswer = {}): Promise<ConsentSeen> {
    await this.page.goto(url.href);
    await this.#signInIfAsked();
    const seen = await this.#readConsent();
    this.consents.push(seen);
    const form = this.page.locator('form', { has: this.page.locator('input[name="scope"]') });
    if (answer.keep)
      for (const box of await this.page.locator('input[type="checkbox"][name="scope"]').all()) {
        const value = (await box.getAttribute('value')) ?? '';
        await box.setChecked(answer.keep.includes(value));
      }
    if (answer.seconds !== undefined)
      await this.page.locator('input[type="number"]').first().fill(String(answer.seconds));
    const button = answer.deny
      ? this.page.getByRole('button', { name: /deny|refuse|cancel/iu })
      : form.getByRole('button', { name: /allow|approve|consent|authori[sz]e|continue/iu });
    await Promise.all([
      this.page.waitForURL((u) => !u.href.startsWith(this.mandateUrl), { timeout: 30_000 }),
      button.first().click(),
    ]);
    return seen;
  }

  /** Signs in through `/inbox` (the page a human opens to see their grants). */
  async openInbox(): Promise<string> {
    await this.page.goto(`${this.mandateUrl}/inbox`);
    await this.#signInIfAsked();
    return (await this.page.textContent('body')) ?? '';
  }

  /** Revokes, in the inbox, the grant whose section mentions `what` (a client's name). */
  async revokeGrant(what: string): Promise<string> {
    await this.openInbox();
    const section = this.page.locator('section', { hasText: what }).filter({
      has: this.page.getByRole('button', { name: 'Revoke' }),
    });
    if ((await section.count()) !== 1)
      throw new Error(
        `expected one grant mentioning ${what} in the inbox, found ${await section.count()}:\n${await this.page.textContent('body')}`,
      );
    await Promise.all([
      this.page.waitForURL(/\/inbox/u),
      section.getByRole('button', { name: 'Revoke' }).click(),
    ]);
    return (await this.page.textContent('body')) ?? '';
  }

  close(): Promise<void> {
    return this.context.close();
  }

  async #signInIfAsked(): Promise<void> {
    const adminForm = this.page.locator('form[action="/auth/local"]');
    if ((await adminForm.count()) === 0) return;
    if (this.signIn.kind === 'admin') {
      await adminForm.locator('input[name="token"]').fill(this.signIn.token);
      await Promise.all([
        this.page.waitForURL((u) => !u.pathname.startsWith('/auth/')),
        adminForm.getByRole('button').click(),
      ]);
      return;
    }
    // The organisation's identity provider (oidc-provider's development login and consent pages).
    const login = this.signIn.login;
    await this.page.getByRole('link', { name: /sign in with your organisation/iu }).click();
    await this.page.locator('input[name="login"]').fill(login);
    await this.page.locator('input[name="password"]').fill('x');
    await this.page.locator('button[type="submit"]').first().click();
    await this.page.waitForLoadState();
    // The provider's consent, when it shows one.
    if (!this.page.url().startsWith(this.mandateUrl))
      await Promise.all([
        this.page.waitForURL((u) => u.href.startsWith(this.mandateUrl)),
        this.page.locator('button[type="submit"]').first().click(),
      ]);
    await this.page.waitForURL((u) => !u.pathname.startsWith('/auth/'));
  }

  async #readConsent(): Promise<ConsentSeen> {
    const response = this.loaded.at(-1);
    if (!response) throw new Error('the consent page never loaded');
    const scopes: string[] = [];
    for (const box of await this.page.locator('input[type="checkbox"][name="scope"]').all())
      scopes.push((await box.getAttribute('value')) ?? '');
    return {
      text: (await this.page.locator('body').innerText()) ?? '',
      html: await this.page.content(),
      response,
      scopes,
    };
  }
}
