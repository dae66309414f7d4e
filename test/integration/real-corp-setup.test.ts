/**
 * The README's setup order for a real corp, against the sandbox behaving as WeCom's admin console
 * does: saving the callback settings makes WeCom verify the URL at once (GET with an encrypted
 * echostr), so it fails until the corp is added here; once added (`npm run corp -- add`), it
 * verifies, the first admin signs in by web login, stores WeCom's WW_verify file, checks the
 * callback from the console, events arrive and the POS secret printed once signs webhooks.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { addCorp, type AddedCorp } from '../../core/admin/corp-setup';
import { signPosBody } from '../../core/ingest/signature';
import { startSandbox, type Sandbox } from '../../sandbox/wecom/server';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';

const CORP = 'ww5e7a1c0d2b3f4a59';
const AGENT = { agentid: 1000005, secret: 'real-corp-app-secret-0123456789abcdef' };
let sb: Sandbox;
let ctx: TestContext;
let server: Server;
let api = '';
let app: Express;

const control = async (path: string, body?: unknown) => {
  const r = await fetch(`${sb.url}/sandbox/api/corps${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

/** WeCom web login as `userid`, following the redirects by hand; the session cookie. */
async function webLogin(userid: string): Promise<string> {
  const start = await fetch(`${api}/api/auth/wecom/web-login?corp=${CORP}`, { redirect: 'manual' });
  const oauthCookie = start.headers.get('set-cookie')!.split(';')[0]!;
  const login = new URL(start.headers.get('location')!);
  login.searchParams.set('sandbox_userid', userid);
  const scanned = await fetch(login, { redirect: 'manual' });
  const back = await fetch(scanned.headers.get('location')!, { headers: { cookie: oauthCookie }, redirect: 'manual' });
  expect(back.status).toBe(302);
  const session = back.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('gp_session='));
  expect(session).toBeDefined();
  return session!;
}

beforeAll(async () => {
  sb = await startSandbox({ retryDelaysMs: [20, 20] });
  server = createServer((req, res) => app(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ctx = await createTestContext({
    WECOM_API_BASE: sb.url,
    WECOM_OAUTH_BASE: sb.url,
    WECOM_LOGIN_BASE: sb.url,
    PUBLIC_URL: api,
  });
  app = createApp(ctx, { serveSidebar: false });
  // 1. The app exists in WeCom (自建应用), with its members in the visible scope; no callback yet.
  await control('', { corpid: CORP, name: '真实品牌', agentid: AGENT.agentid, secret: AGENT.secret });
  await control(`/${CORP}/members`, {
    members: [
      { userid: 'zhangwei', name: '张伟' },
      { userid: 'licui', name: '李翠' },
    ],
  });
});

afterAll(async () => {
  await destroyTestContext(ctx);
  await sb.close();
  server.close();
});

describe('setting up a real corp in the README’s order', () => {
  let added: AddedCorp;

  it('WeCom cannot save the callback URL before the corp is added here; after `corp add` it verifies', async () => {
    const early = await control(`/${CORP}/actions/save-callback`, {
      url: `${api}/wecom/callback/${CORP}`,
      token: 'TokenTypedTooEarly',
      encodingAESKey: 'a'.repeat(43),
    });
    expect(early.status).toBe(400);
    expect(early.body.error).toMatch(/^回调地址请求不通过: HTTP 401/);

    added = await addCorp(ctx.db, ctx.secrets, api, {
      wecomCorpId: CORP,
      name: '真实品牌',
      agentId: AGENT.agentid,
      agentSecret: AGENT.secret,
      admin: { userid: 'zhangwei', name: '张伟' },
    });
    expect(added.callbackToken).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(added.encodingAesKey).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(added.toolbarUrl).toBe(`${api}/api/auth/wecom/start?corp=${CORP}&redirect=%2Fsidebar%3Fcorp%3D${CORP}`);
    const saved = await control(`/${CORP}/actions/save-callback`, {
      url: added.callbackUrl,
      token: added.callbackToken,
      encodingAESKey: added.encodingAesKey,
    });
    expect(saved).toEqual({ status: 200, body: { ok: true } });
    // A Token mistyped into WeCom's console fails the same check.
    const typo = await control(`/${CORP}/actions/save-callback`, {
      url: added.callbackUrl,
      // (one character changed: the last, to 'x' — or to 'y' where it is an 'x' already)
      token: `${added.callbackToken.slice(0, -1)}${added.callbackToken.endsWith('x') ? 'y' : 'x'}`,
      encodingAESKey: added.encodingAesKey,
    });
    expect(typo.body.error).toMatch(/^回调地址请求不通过/);
    // Adding it twice is refused, naming the field.
    await expect(
      addCorp(ctx.db, ctx.secrets, api, {
        wecomCorpId: CORP,
        name: 'x',
        agentId: AGENT.agentid,
        agentSecret: AGENT.secret,
        admin: { userid: 'zhangwei', name: '张伟' },
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT', field: 'corpid' });
  });

  it('the first admin signs in by web login, stores the WW_verify file, checks the callback and sees no secret', async () => {
    const cookie = await webLogin('zhangwei');
    const put = await fetch(`${api}/api/admin/integrations/wecom-verify-file`, {
      method: 'PUT',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'WW_verify_Xq3kP9sLm2Vd7Bn4.txt', content: 'Xq3kP9sLm2Vd7Bn4' }),
    });
    expect(put.status).toBe(200);
    expect(await (await fetch(`${api}/WW_verify_Xq3kP9sLm2Vd7Bn4.txt`)).text()).toBe('Xq3kP9sLm2Vd7Bn4');
    const check = await fetch(`${api}/api/admin/integrations/callback-check`, { method: 'POST', headers: { cookie } });
    expect(await check.json()).toMatchObject({ ok: true, url: added.callbackUrl });
    const settings = await (await fetch(`${api}/api/admin/integrations`, { headers: { cookie } })).text();
    for (const secret of [AGENT.secret, added.callbackToken, added.encodingAesKey, added.posSecret])
      expect(settings).not.toContain(secret);
    expect(JSON.parse(settings).wecom.secretsSet).toEqual({
      agentSecret: true,
      contactSecret: false,
      callbackToken: true,
      callbackAesKey: true,
    });
  });

  it('events arrive through the saved callback, and the printed POS secret signs webhooks', async () => {
    await control(`/${CORP}/contact-ways`, { state: 'st_setup', userids: ['licui'] });
    await control(`/${CORP}/actions/scan-contact-way`, { state: 'st_setup', customer: { name: '林女士' } });
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${sb.url}/sandbox/api/corps/${CORP}/callbacks`)).json()) as { status: string }[]).map(
            (c) => c.status,
          ),
        { timeout: 5000, interval: 20 },
      )
      .toEqual(['delivered']);
    expect(await ctx.db('wecom_callback_events').where({ corp_id: added.corpId }).count('* as n')).toEqual([{ n: 1 }]);
    const raw = '{}';
    const pos = await fetch(`${api}/webhooks/pos/${CORP}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Guidepost-Signature': signPosBody(added.posSecret, raw) },
      body: raw,
    });
    // Past the signature to body validation.
    expect(pos.status).toBe(400);
  });

  it('`npm run corp` adds a corp and stores its verification file from the command line', async () => {
    const run = (...args: string[]) =>
      promisify(execFile)('node_modules/.bin/tsx', ['scripts/corp.ts', ...args], {
        env: {
          ...process.env,
          DATABASE_URL: ctx.cfg.DATABASE_URL,
          SECRETS_KEY: ctx.cfg.SECRETS_KEY,
          PUBLIC_URL: 'https://guide.example.com',
        },
      });
    const out = (
      await run(
        'add',
        '--corpid',
        'ww0a1b2c3d4e5f6a7b',
        '--agent-id',
        '1000009',
        '--agent-secret',
        'cli-secret',
        '--admin',
        'wangfang',
        '--admin-name',
        '王芳',
      )
    ).stdout;
    expect(out).toContain('URL             https://guide.example.com/wecom/callback/ww0a1b2c3d4e5f6a7b');
    expect(out).toMatch(/Token {11}[A-Za-z0-9]{32}\n/);
    expect(out).toMatch(/EncodingAESKey {2}[A-Za-z0-9]{43}\n/);
    expect(out).toMatch(/POS secret .*: [0-9a-f]{48}$/m);
    const corp = await ctx.db('corps').where({ wecom_corp_id: 'ww0a1b2c3d4e5f6a7b' }).first('id', 'callback_token');
    expect(out).toContain(corp.callback_token);
    expect(await ctx.db('users').where({ corp_id: corp.id }).select('userid', 'role')).toEqual([
      { userid: 'wangfang', role: 'admin' },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'gp-verify-'));
    writeFileSync(join(dir, 'WW_verify_Cli0Verify1File2.txt'), 'Cli0Verify1File2\n');
    const v = await run(
      'verify-file',
      '--corpid',
      'ww0a1b2c3d4e5f6a7b',
      '--file',
      join(dir, 'WW_verify_Cli0Verify1File2.txt'),
    );
    expect(v.stdout.trim()).toBe('serving https://guide.example.com/WW_verify_Cli0Verify1File2.txt');
    expect(await ctx.db('wecom_verify_files').where({ corp_id: corp.id }).first('content')).toEqual({
      content: 'Cli0Verify1File2',
    });
    // A mistake is one line naming it, and a failing exit.
    const bad = await run(
      'add',
      '--corpid',
      'notacorp',
      '--agent-id',
      '1',
      '--agent-secret',
      's',
      '--admin',
      'x',
    ).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringMatching(/^VALIDATION_FAILED: corpid: /) });
  });
});
