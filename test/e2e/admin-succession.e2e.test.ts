/**
 * A guide leaves, in Chromium on the demo tenant: she is deleted from WeCom (the sandbox), the admin
 * marks her as left in the console (/admin/succession, 1440 px), hands her customers to the default
 * same-store successor through 离职继承; one customer refuses, the 24 hours pass for the others
 * (sandbox control); "刷新进度" reads WeCom's transfer_result and the takeovers move. The successor's
 * sidebar lists the inherited customers and shows "从 <leaver> 继承" on one; the leaver's sidebar says the
 * customer was handed over. The console is also shot at 390 px, the sidebars at 360 px.
 * Screenshots: test-results/screenshots/succession-*.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CORP } from '../../sandbox/seed/scales';
import { type DemoStack, SHOTS, screenshots, settle, startDemoStack } from './demo-stack';

let stack: DemoStack;
const shot = screenshots('succession');

beforeAll(async () => {
  stack = await startDemoStack({ env: (sandboxUrl) => ({ WECOM_JS_BRIDGE_URL: `${sandboxUrl}/client/bridge.js` }) });
});
afterAll(async () => {
  await stack?.close();
});

const logErrors = (page: Page) => {
  page.on('pageerror', (e) => console.log('[pageerror]', e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) console.log('[browser]', m.text());
  });
};

const sandboxApi = async (path: string, body: unknown) => {
  const r = await fetch(`${stack.sandbox.url}/sandbox/api/corps/${DEMO_CORP.wecomCorpId}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json() as Promise<Record<string, unknown>>;
};

describe('a guide leaves: 离职继承 in Chromium', () => {
  it('admin hands her customers to a successor; the window completes; both sidebars show it', async () => {
    const { ctx, corpId, apiUrl, browser, sandbox } = stack;
    // The leaver: a guide of a store with other guides, with the fewest (but several) customers.
    const leaver = (
      await ctx.db.raw<{ rows: { id: number; userid: string; name: string; store_id: number; n: string }[] }>(
        `select g.id, g.userid, g.name, g.store_id, count(cg.id) as n from guides g
           join customer_guides cg on cg.guide_id = g.id and cg.ended_at is null
          where g.corp_id = ? and g.status = 'active' and g.userid <> 'licui'
            and exists (select 1 from guides o where o.store_id = g.store_id and o.id <> g.id and o.status = 'active')
          group by g.id having count(cg.id) >= 3 order by count(cg.id), g.id limit 1`,
        [corpId],
      )
    ).rows[0]!;
    const customers = await ctx
      .db('customer_guides as cg')
      .join('customers as c', 'c.id', 'cg.customer_id')
      .where({ 'cg.guide_id': leaver.id })
      .whereNull('cg.ended_at')
      .orderBy('c.id')
      .select<{ id: number; external_userid: string; name: string }[]>('c.id', 'c.external_userid', 'c.name');
    const [refuser, ...accepting] = customers;

    // She leaves: the admin deletes her in WeCom's own console (the sandbox), then marks her here.
    await sandboxApi('/actions/member-resigns', { userid: leaver.userid });

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    logErrors(page);
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${apiUrl}/boards.html?corp=${DEMO_CORP.wecomCorpId}`);
    await page.locator('[data-test=qr-login]').click();
    await page.locator('a[data-userid=admin]').click();
    await page.locator('[data-test=who]').waitFor();
    await page.locator('[data-test=nav-admin]').click();
    await page.locator('[data-test=admin-tab-succession]').click();
    await page.locator('[data-test=succession]').waitFor();
    await page.locator('[data-test=leave-guide]').selectOption(String(leaver.id));
    await page.locator('[data-test=mark-left]').click();
    await page.locator('[data-test=handover]').waitFor();
    await expect
      .poll(() => page.locator('[data-test=handover-customers] tbody tr').count(), { timeout: 15_000 })
      .toBe(customers.length);
    const successorId = Number(await page.locator('[data-test=successor]').inputValue());
    const successor = await ctx
      .db('guides')
      .where({ id: successorId })
      .first<{ userid: string; name: string; store_id: number }>('userid', 'name', 'store_id');
    expect(successor.store_id).toBe(leaver.store_id);
    await page.locator('[data-test=start-transfer]').click();
    await page.locator('[data-test=sc-notice]').waitFor();
    await expect
      .poll(() => page.locator('[data-test=handover-customers] [data-status=waiting]').count(), { timeout: 15_000 })
      .toBe(customers.length);
    await shot(page, '1440-01-started');

    // One customer taps 「暂不添加」; for the others the 24 hours pass.
    await sandboxApi('/actions/customer-refuses-transfer', { external_userid: refuser!.external_userid });
    await sandboxApi('/actions/transfers-elapse', { external_userid: accepting.map((c) => c.external_userid) });
    await page.locator('[data-test=refresh]').click();
    await expect
      .poll(() => page.locator('[data-test=handover-customers] [data-status=done]').count(), { timeout: 15_000 })
      .toBe(accepting.length);
    await expect(page.locator(`[data-test="hc-${refuser!.name}"]`).getAttribute('data-status')).resolves.toBe(
      'refused',
    );
    await page.locator(`[data-test="leaver-${leaver.name}"]`).waitFor();
    await shot(page, '1440-02-done');
    // The books moved: the relation and (where she held it) the exclusive guide are the successor's.
    const moved = accepting[0]!;
    const rel = await ctx
      .db('customer_guides')
      .where({ customer_id: moved.id })
      .whereIn('guide_id', [leaver.id, successorId])
      .select<{ guide_id: number; ended_at: Date | null; end_reason: string | null }[]>(
        'guide_id',
        'ended_at',
        'end_reason',
      );
    expect(rel.find((r) => Number(r.guide_id) === leaver.id)).toMatchObject({ end_reason: 'transferred' });
    expect(rel.find((r) => Number(r.guide_id) === successorId)).toMatchObject({ ended_at: null });

    // The console on a phone.
    await page.setViewportSize({ width: 390, height: 844 });
    await settle(page);
    await shot(page, '390-03-console');
    await context.close();

    // The successor's sidebar (360 px toolbar): her inherited customers, then one customer's profile.
    const sidebarOf = async (userid: string, chat?: string) => {
      const c = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
      const p = await c.newPage();
      logErrors(p);
      await p.goto(
        `${sandbox.url}/client/?corp=${DEMO_CORP.wecomCorpId}&user=${userid}${chat ? `&chat=${encodeURIComponent(chat)}` : ''}`,
      );
      return { c, p, frame: p.frameLocator('#app') };
    };
    const frameShot = async (p: Page, name: string) => {
      await settle(p);
      await p.locator('#app').screenshot({ path: `${SHOTS}/succession-${name}.png` });
    };
    const home = await sidebarOf(successor.userid);
    await home.frame.locator('[data-test=inherited-list]').waitFor({ timeout: 30_000 });
    await home.frame.locator(`[data-test="inherited-${moved.name}"]`).first().waitFor();
    expect(await home.frame.locator('[data-test=inherited-list]').textContent()).toContain(`从 ${leaver.name} 继承`);
    await frameShot(home.p, '360-04-successor-list');
    await home.c.close();

    const chat = await sidebarOf(successor.userid, moved.external_userid);
    await chat.frame.locator('[data-test=inherited-from]').waitFor({ timeout: 30_000 });
    expect(await chat.frame.locator('[data-test=inherited-from]').textContent()).toContain(`从 ${leaver.name} 继承`);
    await frameShot(chat.p, '360-05-successor-customer');
    await chat.c.close();

    // The leaver's sidebar: the customer is no longer hers, handed over.
    const gone = await sidebarOf(leaver.userid, moved.external_userid);
    await gone.frame.locator('[data-test=error-state][data-code=TRANSFERRED]').waitFor({ timeout: 30_000 });
    await frameShot(gone.p, '360-06-leaver-customer');
    await gone.c.close();
    const leaverHome = await sidebarOf(leaver.userid);
    await leaverHome.frame.locator('[data-test=handed-list]').waitFor({ timeout: 30_000 });
    expect(await leaverHome.frame.locator('[data-test=handed-list]').textContent()).toContain(
      `已转接给 ${successor.name}`,
    );
    await frameShot(leaverHome.p, '360-07-leaver-list');
    await leaverHome.c.close();
  });
});
