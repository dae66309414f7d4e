/**
 * The admin console's Org & roles page in Chromium on the demo tenant: a new member joins a store
 * department in WeCom and the org sync makes her a user; the admin signs in with WeCom web login,
 * opens Org & roles, sees the department tree and the sync status, and makes her manager of that
 * store with a reason; she then signs in and sees that store only. The page at 390 px as well.
 * Screenshots go to test-results/screenshots/admin-org-*.png.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncOrg } from '../../core/admin/org-sync';
import { DEMO_CORP } from '../../sandbox/seed/scales';
import type { TestContext } from '../helpers/context';
import { type DemoStack, screenshots, startDemoStack } from './demo-stack';

let stack: DemoStack;
let ctx: TestContext;
let apiUrl = '';
let browser: Browser;
let corpId = 0;
let store = { id: 0, name: '', dept: 0 };
let other = 0;

const shot = screenshots('admin-org');

const logErrors = (page: Page) => {
  page.on('pageerror', (e) => console.log('[pageerror]', e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) console.log('[browser]', m.text());
  });
};

async function signIn(userid: string, width: number, height: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'zh-CN' });
  const page = await context.newPage();
  logErrors(page);
  await page.goto(`${apiUrl}/boards.html?corp=${DEMO_CORP.wecomCorpId}`);
  await page.locator('[data-test=qr-login]').click();
  await page.locator(`a[data-userid=${userid}]`).click();
  await page.locator('[data-test=who]').waitFor();
  return page;
}

beforeAll(async () => {
  stack = await startDemoStack();
  ({ ctx, apiUrl, browser, corpId } = stack);
  // The first sync links the seeded regions and stores to their departments (by name).
  await syncOrg(ctx, corpId, 'manual');
  const s = await ctx
    .db('stores')
    .where({ corp_id: corpId })
    .whereNotNull('wecom_department_id')
    .orderBy('id')
    .limit(2)
    .select<{ id: number; name: string; wecom_department_id: string }[]>('id', 'name', 'wecom_department_id');
  store = { id: s[0]!.id, name: s[0]!.name, dept: Number(s[0]!.wecom_department_id) };
  other = s[1]!.id;
  // 新店长 joins the store's department in WeCom; the sync (the workers' job) makes her a user.
  const res = await fetch(`${stack.sandbox.url}/sandbox/api/corps/${DEMO_CORP.wecomCorpId}/org/members`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userid: 'xin_dianzhang', name: '新店长', department: [store.dept] }),
  });
  expect(res.status).toBe(200);
  await syncOrg(ctx, corpId, 'callback');
}, 300_000);

afterAll(async () => {
  await stack?.close();
});

describe('Org & roles in Chromium', () => {
  it('admin at 1440 px: tree and sync status, assigns a store manager; she sees that store only', async () => {
    // She is signed in already, as a guide: the role change signs that session out.
    const before = await signIn('xin_dianzhang', 1440, 900);
    expect(
      await before.evaluate(async () => ((await (await fetch('/api/boards/me')).json()) as { role: string }).role),
    ).toBe('guide');
    const page = await signIn('admin', 1440, 900);
    await page.locator('[data-test=nav-admin]').click();
    await page.locator('[data-test=admin-tab-org]').click();
    await page.locator('[data-test=org-tree]').waitFor();
    expect((await page.locator('[data-test=org-sync-status]').textContent())?.trim()).toBe('成功');
    expect(await page.locator(`[data-test=org-dept-${store.dept}]`).textContent()).toContain('新店长');
    await shot(page, '1440-01-org');

    await page.locator('[data-test=org-filter]').fill('xin_dianzhang');
    await page.locator('[data-test=org-user-xin_dianzhang]').click();
    await page.locator('[data-test=assign-role]').selectOption('store_manager');
    await page.locator(`[data-test=assign-store-${store.id}] input`).check();
    // Without a reason the server refuses, naming the field.
    await page.locator('[data-test=assign-save]').click();
    await page.locator('[data-test=assign-error]').waitFor();
    await page.locator('[data-test=assign-why]').fill('新店开业，任命店长');
    await page.locator('[data-test=assign-save]').click();
    await page.locator('[data-test=org-notice]').waitFor();
    await expect
      .poll(async () => page.locator('[data-test=org-user-xin_dianzhang] [data-test=user-role]').textContent())
      .toBe('店长');
    expect(await page.locator('[data-test=org-user-xin_dianzhang] [data-test=user-scope]').textContent()).toBe(
      store.name,
    );
    await shot(page, '1440-02-assigned');
    await page.locator('[data-test=lang]').click();
    await expect
      .poll(async () => page.locator('[data-test=org-user-xin_dianzhang] [data-test=user-role]').textContent())
      .toBe('Store manager');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, '1440-03-english');
    const audit = await ctx
      .db('audit_log')
      .where({ corp_id: corpId, action: 'user.role_assigned', entity_id: 'xin_dianzhang' })
      .first<{ actor: string; detail: { why: string } }>('actor', 'detail');
    expect(audit).toMatchObject({ actor: 'admin', detail: { why: '新店开业，任命店长' } });

    expect(await before.evaluate(async () => (await fetch('/api/boards/me')).status)).toBe(401);
    await before.context().close();
    const sm = await signIn('xin_dianzhang', 1440, 900);
    const me = await sm.evaluate(async () => (await fetch('/api/boards/me')).json());
    expect(me).toMatchObject({ role: 'store_manager', level: 'store', storeIds: [store.id] });
    const status = (id: number) =>
      sm.evaluate(
        async (u) => (await fetch(u)).status,
        `/api/boards/stores/${id}/guides?from=2026-11-01&to=2026-11-30`,
      );
    expect(await status(store.id)).toBe(200);
    expect(await status(other)).toBe(403);
    await sm.locator('[data-test=who]').waitFor();
    expect(await sm.locator('[data-test=nav-admin]').count()).toBe(0);
    await shot(sm, '1440-04-store-manager');
    await sm.context().close();
    await page.context().close();
  });

  it('at 390 px the page stacks and the tables scroll', async () => {
    const page = await signIn('admin', 390, 844);
    await page.goto(`${apiUrl}/boards.html?corp=${DEMO_CORP.wecomCorpId}#/admin/org`);
    await page.locator('[data-test=org-tree]').waitFor();
    await page.locator('[data-test=org-sync-now]').click();
    await page.locator('[data-test=org-notice]').waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await shot(page, '390-01-org');
    await page.context().close();
  });
});
