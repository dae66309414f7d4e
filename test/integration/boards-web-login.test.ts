/**
 * A manager signs in from a desktop browser by WeCom web login against the sandbox: our route
 * redirects to wwlogin/sso/login (CorpApp, appid, agentid, redirect_uri, state), the sandbox's
 * QR page lists the corp's members, a "scan" comes back with code and state, and the callback
 * exchanges the code (auth/getuserinfo) for a session and lands on the board app.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { startSandbox, type Sandbox } from '../../sandbox/wecom/server';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import { createCorp, createRegion, type CorpFixture } from '../factories/org.factory';

let sb: Sandbox;
let ctx: TestContext;
let server: Server;
let api = '';
let app: Express;
let corp: CorpFixture;
let region = 0;

beforeAll(async () => {
  sb = await startSandbox({ retryDelaysMs: [20] });
  server = createServer((req, res) => app(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ctx = await createTestContext({ WECOM_API_BASE: sb.url, WECOM_LOGIN_BASE: sb.url, PUBLIC_URL: api });
  app = createApp(ctx, { serveSidebar: false });
  corp = await createCorp(ctx.db, ctx.secrets);
  region = await createRegion(ctx.db, corp.id, { name: '华东区' });
  const [u] = await ctx
    .db('users')
    .insert({ corp_id: corp.id, userid: 'zhouli', name: '周丽', role: 'regional_manager' })
    .returning<{ id: number }[]>('id');
  await ctx.db('user_scopes').insert({ corp_id: corp.id, user_id: u!.id, region_id: region });
  const post = (path: string, body: unknown) =>
    fetch(`${sb.url}/sandbox/api/corps${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  await post('', {
    corpid: corp.wecomCorpId,
    name: '测试',
    agentid: corp.agentId,
    secret: corp.agentSecret,
    callback: {
      url: `${api}/wecom/callback/${corp.wecomCorpId}`,
      token: corp.callbackToken,
      encodingAESKey: corp.callbackAesKey,
    },
  });
  await post(`/${corp.wecomCorpId}/members`, { members: [{ userid: 'zhouli', name: '周丽' }] });
});

afterAll(async () => {
  await destroyTestContext(ctx);
  await sb.close();
  server.close();
});

describe('WeCom web login (QR) for the boards', () => {
  it('redirects to wwlogin/sso/login, a scan returns a code, the callback signs in and lands on the boards', async () => {
    const start = await fetch(`${api}/api/auth/wecom/web-login?corp=${corp.wecomCorpId}`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const oauthCookie = start.headers.get('set-cookie')!.split(';')[0]!;
    const login = new URL(start.headers.get('location')!);
    expect(`${login.origin}${login.pathname}`).toBe(`${sb.url}/wwlogin/sso/login`);
    expect(Object.fromEntries(login.searchParams)).toMatchObject({
      login_type: 'CorpApp',
      appid: corp.wecomCorpId,
      agentid: String(corp.agentId),
      redirect_uri: `${api}/api/auth/wecom/web-login/callback`,
      state: expect.stringMatching(/^[a-f0-9]{32}$/),
    });
    // The sandbox's QR page lists the members to scan as.
    const page = await (await fetch(login)).text();
    expect(page).toContain('data-userid="zhouli"');
    login.searchParams.set('sandbox_userid', 'zhouli');
    const back = await fetch(login, { redirect: 'manual' });
    const cb = await fetch(back.headers.get('location')!, { redirect: 'manual', headers: { cookie: oauthCookie } });
    expect(cb.status).toBe(302);
    expect(cb.headers.get('location')).toBe('/boards.html');
    const cookie = cb.headers
      .getSetCookie()
      .find((c) => c.startsWith('gp_session='))!
      .split(';')[0]!;
    const me = await fetch(`${api}/api/boards/me`, { headers: { cookie } });
    expect(await me.json()).toMatchObject({ role: 'regional_manager', level: 'region', regionIds: [region] });
    // The code is single-use; a state that was not started here is refused.
    const replay = await fetch(back.headers.get('location')!, { redirect: 'manual', headers: { cookie: oauthCookie } });
    expect(replay.status).toBe(401);
  });

  it('a refused scan returns to the sign-in page without a session', async () => {
    const start = await fetch(`${api}/api/auth/wecom/web-login?corp=${corp.wecomCorpId}`, { redirect: 'manual' });
    const login = new URL(start.headers.get('location')!);
    login.searchParams.set('sandbox_refuse', '1');
    const back = await fetch(login, { redirect: 'manual' });
    expect(new URL(back.headers.get('location')!).searchParams.has('code')).toBe(false);
    const cb = await fetch(back.headers.get('location')!, { redirect: 'manual' });
    expect(cb.status).toBe(302);
    expect(cb.headers.get('location')).toBe('/boards.html#/signin?refused=1');
    expect(cb.headers.getSetCookie().some((c) => c.startsWith('gp_session='))).toBe(false);
  });

  it('refuses an unknown corp with the field at fault', async () => {
    const res = await fetch(`${api}/api/auth/wecom/web-login?corp=nope`, { redirect: 'manual' });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatchObject({ code: 'NOT_FOUND', field: 'query.corp' });
  });
});
