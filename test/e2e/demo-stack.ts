/**
 * What the console e2e files share: the production build of the sidebar and board app, the
 * sandbox WeCom, the API on a free port over a fresh database seeded with the demo tenant (and
 * pushed to the sandbox), and Debian's Chromium. `close()` tears it down in reverse.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type Page, chromium } from 'playwright-core';
import { createApp } from '../../api/app';
import { loadSandboxPayload, pushToSandbox } from '../../sandbox/seed/push-to-sandbox';
import { DEMO_CORP } from '../../sandbox/seed/scales';
import { seedTenant } from '../../sandbox/seed/seed';
import { type Sandbox, startSandbox } from '../../sandbox/wecom/server';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';

export const SHOTS = 'test-results/screenshots';

export interface DemoStack {
  ctx: TestContext;
  sandbox: Sandbox;
  apiUrl: string;
  browser: Browser;
  /** The demo tenant's id. */
  corpId: number;
  close: () => Promise<void>;
}

export async function startDemoStack(
  opts: { env?: (sandboxUrl: string) => Record<string, string>; anchor?: Date } = {},
): Promise<DemoStack> {
  mkdirSync(SHOTS, { recursive: true });
  execFileSync('node_modules/.bin/vite', ['build', '--config', 'sidebar/vite.config.ts', '--logLevel', 'warn'], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const api: Server = createServer();
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  const sandbox = await startSandbox({ appUrl: apiUrl });
  const ctx = await createTestContext({
    PUBLIC_URL: apiUrl,
    WECOM_API_BASE: sandbox.url,
    WECOM_OAUTH_BASE: sandbox.url,
    WECOM_LOGIN_BASE: sandbox.url,
    ...opts.env?.(sandbox.url),
  });
  await seedTenant({
    databaseUrl: ctx.cfg.DATABASE_URL,
    secretsKey: ctx.cfg.SECRETS_KEY,
    scale: 'demo',
    ...(opts.anchor ? { anchor: opts.anchor } : {}),
  });
  await pushToSandbox(sandbox.url, await loadSandboxPayload(ctx.db, DEMO_CORP.wecomCorpId, apiUrl), DEMO_CORP);
  api.on('request', createApp(ctx));
  const corpId = (await ctx.db('corps').where({ wecom_corp_id: DEMO_CORP.wecomCorpId }).first<{ id: number }>('id')).id;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
  });
  return {
    ctx,
    sandbox,
    apiUrl,
    browser,
    corpId,
    close: async () => {
      await browser.close();
      await new Promise((r) => api.close(r));
      await sandbox.close();
      await destroyTestContext(ctx);
    },
  };
}

/** Waits for running CSS animations, so a screenshot shows where they end. */
export const settle = (page: Page) =>
  page.evaluate(() =>
    Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))).then(() => undefined),
  );

/** A full-page screenshot taker whose files are named `<prefix>-<name>.png`. */
export const screenshots =
  (prefix: string) =>
  async (page: Page, name: string): Promise<void> => {
    await settle(page);
    await page.screenshot({ path: `${SHOTS}/${prefix}-${name}.png`, fullPage: true });
  };
