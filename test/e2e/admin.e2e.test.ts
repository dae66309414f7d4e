/**
 * The brand admin console in Chromium on the demo tenant: at 1440 px the admin signs in with WeCom
 * web login, creates a channel code for a store (the sandbox WeCom now has the contact way), a
 * customer scans it in the sandbox and arrives with the code's store and channel tag (seen in the
 * guide's sidebar); the POS secret is rotated — a batch signed with the old one is accepted during
 * the overlap, refused once the admin ends it; the callback URL is checked the way WeCom verifies it;
 * a rule-set proposal shows its what-if before it is activated with a reason. The console is also
 * shot at 390 px. Screenshots: test-results/screenshots/admin-*.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSession } from '../../core/auth/session';
import { signPosBody } from '../../core/ingest/signature';
import { creditHistory } from '../../sandbox/seed/credit-history';
import { DEMO_CORP } from '../../sandbox/seed/scales';
import { startWorkers, type RunningWorkers } from '../../workers/runtime';
import { type DemoStack, screenshots, startDemoStack } from './demo-stack';

let stack: DemoStack;
let workers: RunningWorkers;
const shot = screenshots('admin');
const CORP = DEMO_CORP.wecomCorpId;

beforeAll(async () => {
  stack = await startDemoStack({ env: (sandboxUrl) => ({ WECOM_JS_BRIDGE_URL: `${sandboxUrl}/client/bridge.js` }) });
  // The seeded history credited, as `npm run demo` does, so the what-if compares with live credits.
  await creditHistory(stack.ctx, stack.corpId);
  workers = startWorkers(stack.ctx);
});

afterAll(async () => {
  await workers?.close();
  await stack?.close();
});

const logErrors = (page: Page) => {
  page.on('pageerror', (e) => console.log('[pageerror]', e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) console.log('[browser]', m.text());
  });
};

const sandboxApi = async (path: string, body: unknown) => {
  const r = await fetch(`${stack.sandbox.url}/sandbox/api/corps/${CORP}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json() as Promise<Record<string, unknown>>;
};

/** Every callback the sandbox fired is delivered, and what it queued has run. */
async function settle(): Promise<void> {
  await expect
    .poll(
      async () => {
        const r = await fetch(`${stack.sandbox.url}/sandbox/api/corps/${CORP}/callbacks`);
        return ((await r.json()) as { status: string }[]).every((c) => c.status !== 'pending');
      },
      { timeout: 10_000, interval: 50 },
    )
    .toBe(true);
  await stack.ctx.queues.drain();
}

/** A one-order POS batch signed with `secret`; its status. */
async function postPos(secret: string, n: number, storeCode: string): Promise<number> {
  const raw = JSON.stringify({
    batchId: `admin-e2e-${n}`,
    orders: [
      {
        orderNo: `ADM-E2E-${n}`,
        storeCode,
        paidAt: new Date(Date.now() - 60_000).toISOString(),
        grossFen: 19_900,
        discountFen: 0,
        netFen: 19_900,
        lines: [{ skuCode: 'ADM-E2E-SKU', qty: 1, netFen: 19_900 }],
      },
    ],
    refunds: [],
  });
  const r = await fetch(`${stack.apiUrl}/webhooks/pos/${CORP}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Guidepost-Signature': signPosBody(secret, raw) },
    body: raw,
  });
  return r.status;
}

describe('the brand admin console in Chromium', () => {
  it('channel code → a customer scans it → POS secret rotation → callback check → a rule set with its what-if', async () => {
    const { ctx, apiUrl, browser, corpId, sandbox } = stack;
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    const page = await context.newPage();
    logErrors(page);
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${apiUrl}/boards.html?corp=${CORP}`);
    await page.locator('[data-test=qr-login]').click();
    await page.locator('a[data-userid=admin]').click();
    await page.locator('[data-test=who]').waitFor();
    await page.locator('[data-test=nav-admin]').click();
    await page.locator('[data-test=admin-tab-channel-codes]').click();
    await page.locator('[data-test=channel-codes]').waitFor();

    // --- a channel code for 李翠's store, tagged 门店扫码
    const store = await ctx
      .db('stores as s')
      .join('guides as g', 'g.store_id', 's.id')
      .where({ 'g.corp_id': corpId, 'g.userid': 'licui' })
      .first<{ id: number; name: string; code: string }>('s.id', 's.name', 's.code');
    const tag = await ctx.db('tags').where({ corp_id: corpId, name: '门店扫码' }).first<{ id: number }>('id');
    await page.locator('[data-test=cc-name]').fill('冬季海报 · 试衣间门口');
    await page.locator('[data-test=cc-kind-store]').check();
    await page.locator('[data-test=cc-store]').selectOption(String(store.id));
    await page.locator('[data-test=cc-tag]').selectOption(String(tag.id));
    // A store's code goes to the store's guides.
    await expect.poll(() => page.locator('[data-test=cc-guides] .cc-chip.on').count()).toBe(5);
    await page.locator('[data-test=cc-create]').click();
    await page.locator('[data-test=cc-notice]').waitFor();
    const card = page.locator('[data-test="cc-code-冬季海报 · 试衣间门口"]');
    await card.waitFor();
    const state = (await card.getAttribute('data-state'))!;
    expect(state).toMatch(/^ch[0-9a-f]{16}$/);
    // The QR image loads (through our API, from the address WeCom returned).
    await expect
      .poll(() => card.locator('img.cc-qr').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBe(250);
    expect(await card.locator('[data-test=cc-adds] b').textContent()).toBe('0');
    // WeCom (the sandbox) has the contact way, with the state and the store's guides.
    const way = [...sandbox.state.corps.get(CORP)!.contactWays.values()].find((w) => w.state === state)!;
    expect(way).toMatchObject({ type: 2, scene: 2 });
    expect(way.user).toContain('licui');
    await shot(page, '1440-01-channel-codes');

    // The download is the QR as a PNG file.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card.locator('[data-test=cc-download]').click(),
    ]);
    expect(download.suggestedFilename()).toBe('冬季海报 · 试衣间门口.png');

    // --- a customer scans it in the sandbox and adds 李翠
    const scanned = (await sandboxApi('/actions/scan-contact-way', {
      state,
      userid: 'licui',
      customer: { name: '陶女士', gender: 2 },
    })) as { external_userid: string };
    await settle();
    const arrived = await ctx
      .db('customer_guides as cg')
      .join('customers as c', 'c.id', 'cg.customer_id')
      .join('guides as g', 'g.id', 'cg.guide_id')
      .join('channel_codes as cc', (j) => j.on('cc.corp_id', 'cg.corp_id').andOn('cc.state', 'cg.state'))
      .where({ 'c.external_userid': scanned.external_userid, 'g.userid': 'licui' })
      .first<{ customer_id: number; store_id: number; add_way: number }>('cg.customer_id', 'cc.store_id', 'cg.add_way');
    expect(arrived).toMatchObject({ store_id: store.id, add_way: 1 });
    expect(
      await ctx.db('customer_tags').where({ customer_id: arrived.customer_id, tag_id: tag.id }).count('* as n'),
    ).toEqual([{ n: 1 }]);
    // …and in WeCom, the channel tag is on her (mark_tag).
    const follow = sandbox.state.corps
      .get(CORP)!
      .contacts.get(scanned.external_userid)!
      .follow_user.find((f) => f.userid === 'licui')!;
    expect(follow.tag_ids.length).toBe(1);
    // The guide's sidebar API says how she came.
    const guideSession = signSession(ctx.cfg.SESSION_SECRET, { corpId, userid: 'licui' }, 600);
    const profile = (await fetch(`${apiUrl}/api/sidebar/customers/${scanned.external_userid}`, {
      headers: { authorization: `Bearer ${guideSession}` },
    }).then((r) => r.json())) as { customer: { channelName: string | null; channel: string | null } };
    expect(profile.customer).toMatchObject({ channelName: '冬季海报 · 试衣间门口', channel: state });
    // The console counts the add.
    await page.reload();
    await card.waitFor();
    await expect.poll(() => card.locator('[data-test=cc-adds] b').textContent()).toBe('1');

    // …and 李翠 sees her in the sidebar of the sandbox desktop client, with the channel.
    const clientCtx = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    const client = await clientCtx.newPage();
    logErrors(client);
    await client.goto(
      `${sandbox.url}/client/?corp=${CORP}&user=licui&chat=${encodeURIComponent(scanned.external_userid)}`,
    );
    const sidebar = client.frameLocator('#app');
    await sidebar.locator('[data-test=profile]').waitFor();
    await expect.poll(() => sidebar.locator('body').textContent()).toContain('冬季海报 · 试衣间门口');
    await shot(client, '1440-02-sidebar-arrival');
    // The client's JS bridge is as strict as WeCom's: a call without the config's signature is refused.
    const frame = client.frames().find((f) => f.url().includes('/sidebar'))!;
    const forged = await frame.evaluate(
      (corpid) =>
        new Promise<{ err_msg: string }>((res) =>
          (
            window as unknown as {
              WeixinJSBridge: { invoke: (n: string, p: object, cb: (r: { err_msg: string }) => void) => void };
            }
          ).WeixinJSBridge.invoke('getCurExternalContact', { verifySignature: 'forged', verifyAppId: corpid }, res),
        ),
      CORP,
    );
    expect(forged.err_msg).toBe('getCurExternalContact:fail no permission');
    await clientCtx.close();

    // --- the POS secret is rotated with an overlap, then the overlap is ended
    await page.locator('[data-test=admin-tab-integrations]').click();
    await page.locator('[data-test=ig-pos]').waitFor();
    expect(await page.locator('[data-test=ig-secret-set]').textContent()).toContain('已设置');
    await page.locator('[data-test=ig-overlap]').fill('60');
    await page.locator('[data-test=ig-rotate]').click();
    const fresh = (await page.locator('[data-test=ig-fresh-secret]').textContent())!.trim();
    expect(fresh).toMatch(/^[0-9a-f]{48}$/);
    await page.locator('[data-test=ig-end-overlap]').waitFor();
    // Both are accepted during the overlap.
    expect(await postPos(DEMO_CORP.posHmacSecret, 1, store.code)).toBe(200);
    expect(await postPos(fresh, 2, store.code)).toBe(200);
    // The callback URL verifies the way WeCom checks it.
    await page.locator('[data-test=ig-check]').click();
    await expect.poll(() => page.locator('[data-test=ig-check-result]').getAttribute('class')).toBe('ok');
    expect(await page.locator('[data-test=ig-check-result]').textContent()).toMatch(/^通过：/);
    expect(await page.locator('[data-test=ig-secrets]').textContent()).not.toContain(DEMO_CORP.agentSecret);
    // WeCom's trusted-domain file, uploaded here, is served at the site root.
    await page.locator('[data-test=ig-verify-upload]').setInputFiles({
      name: 'WW_verify_Ab12Cd34Ef56Gh78.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Ab12Cd34Ef56Gh78\n'),
    });
    await expect
      .poll(() => page.locator('[data-test=ig-verify-files]').textContent())
      .toContain('WW_verify_Ab12Cd34Ef56Gh78.txt');
    expect(await (await fetch(`${apiUrl}/WW_verify_Ab12Cd34Ef56Gh78.txt`)).text()).toBe('Ab12Cd34Ef56Gh78');
    await shot(page, '1440-03-integrations');
    await page.locator('[data-test=ig-end-overlap]').click();
    await page.locator('[data-test=ig-notice]').waitFor();
    await expect.poll(() => page.locator('[data-test=ig-previous]').textContent()).toContain('已失效');
    // The old secret is refused now; the new one still works.
    expect(await postPos(DEMO_CORP.posHmacSecret, 3, store.code)).toBe(401);
    expect(await postPos(fresh, 4, store.code)).toBe(200);
    expect(
      await ctx.db('audit_log').where({ corp_id: corpId, entity: 'integration' }).orderBy('id').pluck('action'),
    ).toEqual(['pos_secret.rotate', 'wecom_verify_file.set', 'pos_secret.end_overlap']);

    // --- a rule-set proposal, its what-if, then activation with a reason
    await page.locator('[data-test=admin-tab-rule-sets]').click();
    await page.locator('[data-test=rs-versions]').waitFor();
    await page.getByRole('button', { name: '上月' }).click();
    await page.locator('[data-test=rs-draft]').click();
    await page.locator('[data-test=rs-name]').fill('窗口缩短为3天');
    await page.locator('[data-test=rs-window]').fill('3');
    // In force from the first of last month: last month's orders are re-attributed when it is activated.
    const firstOfLastMonth = await page.locator('[data-test=from]').inputValue();
    await page.locator('[data-test=rs-effective]').fill(firstOfLastMonth);
    await page.locator('label:has([data-test=rs-kind-customer_added])').click();
    await page.locator('[data-test=rs-note]').fill('只计近三天的互动，添加客户不计');
    expect(await page.locator('[data-test=rs-changes]').textContent()).toMatch(/互动窗口 7 天 → 3 天/);
    await page.locator('[data-test=rs-propose]').click();
    await page.locator('[data-test=rs-whatif]').waitFor();
    const proposed = await ctx
      .db('rule_sets')
      .where({ corp_id: corpId, status: 'proposed' })
      .first<{ version: number }>('version');
    // Side by side: the proposal's changed parameters are marked against the version in force.
    expect(await page.locator(`[data-test=rs-cell-${proposed.version}-windowDays]`).getAttribute('class')).toContain(
      'diff',
    );
    expect(
      await page.locator(`[data-test=rs-cell-${proposed.version}-precedence]`).getAttribute('class'),
    ).not.toContain('diff');
    // No activation before the what-if has been looked at.
    expect(await page.locator('[data-test=rs-activate]').count()).toBe(0);
    await page.locator('[data-test=rs-run-whatif]').click();
    await page.locator('[data-test=rs-report]').waitFor();
    const orders = Number(await page.locator('[data-test=rs-orders]').textContent());
    const changed = Number(await page.locator('[data-test=rs-changed]').textContent());
    expect(orders).toBeGreaterThan(0);
    console.log(`what-if over last month: ${orders} orders, ${changed} change owner`);
    await shot(page, '1440-04-rule-sets-what-if');
    await page.locator('[data-test=rs-reason]').fill('品牌确认：缩短互动窗口');
    await page.locator('[data-test=rs-activate]').click();
    await page.locator('[data-test=rs-notice]').waitFor();
    expect(
      await ctx.db('rule_sets').where({ corp_id: corpId, version: proposed.version }).first('status', 'activated_by'),
    ).toEqual({ status: 'active', activated_by: 'admin' });
    expect(await page.locator('[data-test=rs-notice]').textContent()).toMatch(/^版本 \d+ 已生效：[1-9]\d* 笔订单/);
    // The workers re-attribute through the outbox: last month's orders are judged by the new version.
    await ctx.queues.drain();
    await expect
      .poll(
        async () =>
          Number(
            (
              await ctx
                .db('credits')
                .where({ corp_id: corpId, rule_set_version: proposed.version })
                .whereNull('superseded_at')
                .count<{ n: string }[]>('* as n')
            )[0]!.n,
          ),
        { timeout: 60_000 },
      )
      .toBeGreaterThan(0);
    await page.reload();
    await page.locator('[data-test=rs-versions]').waitFor();
    expect(await page.locator(`[data-test=rs-badge-${proposed.version}]`).textContent()).toBe('当前生效');
    const audit = await ctx
      .db('audit_log')
      .where({ corp_id: corpId, action: 'rule_set.activate' })
      .first<{ detail: { why: string } }>('detail');
    expect(audit.detail.why).toBe('品牌确认：缩短互动窗口');
    await shot(page, '1440-05-rule-sets-activated');

    // --- the console at a phone's width
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    await phone.addCookies(await context.cookies());
    const small = await phone.newPage();
    logErrors(small);
    for (const [tab, ready, name] of [
      ['channel-codes', '[data-test=cc-list] li', '390-01-channel-codes'],
      ['rule-sets', '[data-test=rs-versions]', '390-02-rule-sets'],
      ['integrations', '[data-test=ig-pos]', '390-03-integrations'],
    ] as const) {
      await small.goto(`${apiUrl}/boards.html?corp=${CORP}#/admin/${tab}`);
      await small.locator(ready).first().waitFor();
      // Nothing wider than the screen.
      expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot(small, name);
    }
    // …and in English.
    await small.locator('[data-test=lang]').click();
    await small.locator('[data-test=admin-tab-channel-codes]').click();
    await small.locator('[data-test=cc-list] li').first().waitFor();
    expect(await small.locator('[data-test=cc-form] h3').textContent()).toBe('New channel code');
    await shot(small, '390-04-channel-codes-en');
    await phone.close();
    await context.close();
  });

  // README "Demo sign-ins": every demo role scans in from the QR page's list and lands signed in as itself.
  it('every demo role signs in with the web login page’s “scan as” list', async () => {
    const { ctx, apiUrl, browser, corpId } = stack;
    const people: [string, string][] = [
      ['admin', 'admin'],
      ['zongbu', 'head_office'],
      ['caiwu', 'finance'],
      ['rm_east', 'regional_manager'],
      ['sm0001', 'store_manager'],
      ['licui', 'guide'],
    ];
    for (const [userid, role] of people) {
      const user = await ctx.db('users').where({ corp_id: corpId, userid }).first<{ name: string; role: string }>();
      expect(user, userid).toMatchObject({ role });
      const c = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
      const p = await c.newPage();
      await p.goto(`${apiUrl}/boards.html?corp=${CORP}`);
      await p.locator('[data-test=qr-login]').click();
      await p.locator(`a[data-userid="${userid}"]`).click();
      await expect.poll(() => p.locator('[data-test=who]').textContent(), { timeout: 10_000 }).toBe(user.name);
      const me = (await (await p.request.get(`${apiUrl}/api/auth/me`)).json()) as { role: string };
      expect(me.role, userid).toBe(role);
      await c.close();
    }
  });
});
