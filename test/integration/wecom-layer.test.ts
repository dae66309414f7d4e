import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encrypt, getSignature } from '@wecom/crypto';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { signSession } from '../../core/auth/session';
import { attributeJob } from '../../core/jobs/attribution.jobs';
import { pollBillsJob, syncContactsJob, wecomFanoutJob } from '../../core/jobs/wecom.jobs';
import { pollBills } from '../../core/wecom/bills';
import { receiveCallback, verifyCallbackUrl } from '../../core/wecom/callback';
import { WecomClient } from '../../core/wecom/client';
import { getWecomClient } from '../../core/wecom/corp-client';
import { ensureMediaId, mediaUploadLockKey } from '../../core/wecom/media';
import { runBehaviorData, runBillPoll } from '../../core/wecom/service';
import { WecomError } from '../../core/wecom/wecom-error';
import { startSandbox, type Sandbox } from '../../sandbox/wecom/server';
import { startWorkers, type RunningWorkers } from '../../workers/runtime';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import {
  createCorp,
  createCustomer,
  createGuide,
  createRegion,
  createStore,
  type CorpFixture,
} from '../factories/org.factory';
import { sandboxCorp } from '../helpers/sandbox-corp';

let sb: Sandbox;
let ctx: TestContext;
let server: Server;
let api = '';
let app: Express;
let workers: RunningWorkers;
let corp: CorpFixture;
let guide: { id: number; userid: string };
const sandboxApi = (path: string, body?: unknown) =>
  fetch(
    `${sb.url}/sandbox/api/corps/${corp.wecomCorpId}${path}`,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  ).then(async (r) => {
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<Record<string, unknown>>;
  });

beforeAll(async () => {
  sb = await startSandbox({ retryDelaysMs: [20, 20] });
  server = createServer((req, res) => app(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ctx = await createTestContext({ WECOM_API_BASE: sb.url, WECOM_OAUTH_BASE: sb.url, PUBLIC_URL: api });
  app = createApp(ctx, { serveSidebar: false });
  workers = startWorkers(ctx);
  corp = await createCorp(ctx.db, ctx.secrets);
  const region = await createRegion(ctx.db, corp.id);
  const store = await createStore(ctx.db, corp.id, region);
  guide = await createGuide(ctx.db, corp.id, store, { userid: 'licui', name: '李翠' });
  await ctx
    .db('channel_codes')
    .insert({ corp_id: corp.id, state: 'st_test', name: '南京西路店 门店二维码', store_id: store });
  await sandboxCorp(sb.url, corp, { name: '测试', callbackTo: api });
  await sandboxApi('/members', { members: [{ userid: 'licui', name: '李翠' }] });
  await sandboxApi('/tags', {
    groups: [{ group_id: 'etG', group_name: '客户价值', tag: [{ id: 'etVIP', name: '超级VIP' }] }],
  });
  await sandboxApi('/contact-ways', { state: 'st_test', userids: ['licui'] });
});

afterAll(async () => {
  await workers.close();
  await destroyTestContext(ctx);
  await sb.close();
  server.close();
});

/** Waits for the sandbox to finish delivering callbacks, then for our queues to drain. */
async function settle(): Promise<void> {
  await expect
    .poll(
      async () =>
        ((await sandboxApi('/callbacks')) as unknown as { status: string }[]).every((c) => c.status !== 'pending'),
      { timeout: 5000, interval: 20 },
    )
    .toBe(true);
  await ctx.queues.drain();
}

function signedPost(xml: string, timestamp = Math.floor(Date.now() / 1000)) {
  const enc = encrypt(corp.callbackAesKey, xml, corp.wecomCorpId);
  const nonce = '12345';
  const sig = getSignature(corp.callbackToken, timestamp, nonce, enc);
  return {
    url: `${api}/wecom/callback/${corp.wecomCorpId}?msg_signature=${sig}&timestamp=${timestamp}&nonce=${nonce}`,
    body: `<xml><ToUserName><![CDATA[${corp.wecomCorpId}]]></ToUserName><AgentID><![CDATA[${corp.agentId}]]></AgentID><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`,
  };
}
const eventXml = (
  change: string,
  ext: string,
  createTime: number,
  to = { corpid: corp.wecomCorpId, userid: 'licui', state: 'st_test' },
) =>
  `<xml><ToUserName><![CDATA[${to.corpid}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[${change}]]></ChangeType><UserID><![CDATA[${to.userid}]]></UserID><ExternalUserID><![CDATA[${ext}]]></ExternalUserID><State><![CDATA[${to.state}]]></State></xml>`;

describe('WeCom layer against the sandbox', () => {
  let addedExt = '';

  it('a customer who scans the store QR ends as a follow relation with the channel, and shows up for the guide', async () => {
    const r = (await sandboxApi('/actions/scan-contact-way', {
      state: 'st_test',
      customer: { name: '陈静', gender: 2, unionid: 'oUnion-chen' },
    })) as { external_userid: string };
    addedExt = r.external_userid;
    await settle();
    const rel = await ctx
      .db('customer_guides as cg')
      .join('customers as c', 'c.id', 'cg.customer_id')
      .where({ 'c.external_userid': addedExt })
      .first();
    expect(rel).toMatchObject({
      guide_id: guide.id,
      state: 'st_test',
      add_way: 1,
      ended_at: null,
      name: '陈静',
      unionid: 'oUnion-chen',
    });
    expect(await ctx.db('customer_identities').where({ customer_id: rel.customer_id }).pluck('kind')).toEqual(
      expect.arrayContaining(['external_userid', 'unionid']),
    );
    expect(
      await ctx
        .db('interactions')
        .where({ customer_id: rel.customer_id, kind: 'customer_added', guide_id: guide.id })
        .count('* as n')
        .first(),
    ).toEqual({ n: 1 });
    const session = signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'licui' }, 600);
    const list = (await (
      await fetch(`${api}/api/guide/customers`, { headers: { authorization: `Bearer ${session}` } })
    ).json()) as { customers: { externalUserid: string; channel: string; channelName: string }[] };
    expect(list.customers[0]).toMatchObject({
      externalUserid: addedExt,
      channel: 'st_test',
      channelName: '南京西路店 门店二维码',
    });
  });

  it('stores a duplicated delivery once and processes it once', async () => {
    const xml = eventXml('edit_external_contact', addedExt, Math.floor(Date.now() / 1000));
    const p = signedPost(xml);
    const [a, b] = await Promise.all([
      fetch(p.url, { method: 'POST', body: p.body }),
      fetch(p.url, { method: 'POST', body: p.body }),
    ]);
    expect([a.status, b.status, await a.text(), await b.text()]).toEqual([200, 200, 'success', 'success']);
    await ctx.queues.drain();
    const rows = await ctx
      .db('wecom_callback_events')
      .where({ corp_id: corp.id, dedupe_key: createHash('sha256').update(xml).digest('hex') });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ deliveries: 2, status: 'processed' });
    expect(await ctx.db('interactions').where({ kind: 'customer_added' }).count('* as n').first()).toEqual({ n: 1 });
  });

  it('converges when events arrive out of order: a stale add after the customer deleted the guide leaves the relation ended', async () => {
    await sandboxApi('/actions/customer-deletes-guide', { userid: 'licui', external_userid: addedExt });
    await settle();
    const ended = await ctx
      .db('customer_guides as cg')
      .join('customers as c', 'c.id', 'cg.customer_id')
      .where({ 'c.external_userid': addedExt })
      .first('cg.ended_at', 'cg.end_reason');
    expect(ended.ended_at).not.toBeNull();
    const stale = signedPost(eventXml('add_external_contact', addedExt, Math.floor(Date.now() / 1000) - 100));
    expect((await fetch(stale.url, { method: 'POST', body: stale.body })).status).toBe(200);
    await ctx.queues.drain();
    const after = await ctx
      .db('customer_guides as cg')
      .join('customers as c', 'c.id', 'cg.customer_id')
      .where({ 'c.external_userid': addedExt })
      .first('cg.ended_at');
    expect(after.ended_at).not.toBeNull();
  });

  it('refuses a forged or stale signature with 401 and stores nothing', async () => {
    const before = await ctx.db('wecom_callback_events').count('* as n').first();
    const p = signedPost(eventXml('edit_external_contact', addedExt, 1));
    const forged = p.url.replace(/msg_signature=[0-9a-f]{40}/, `msg_signature=${'0'.repeat(40)}`);
    const r1 = await fetch(forged, { method: 'POST', body: p.body });
    expect(r1.status).toBe(401);
    expect(((await r1.json()) as { error: { code: string; field: string } }).error).toMatchObject({
      code: 'BAD_SIGNATURE',
      field: 'msg_signature',
    });
    const old = signedPost(eventXml('edit_external_contact', addedExt, 2), Math.floor(Date.now() / 1000) - 3600);
    const r2 = await fetch(old.url, { method: 'POST', body: old.body });
    expect(r2.status).toBe(401);
    expect(await ctx.db('wecom_callback_events').count('* as n').first()).toEqual(before);
  });

  it("takes WeCom's official vectors through our own callback code: URL verification and the sample POST", async () => {
    await ctx.db('corps').insert({
      wecom_corp_id: 'wx5823bf96d3bd56c7',
      name: '官方示例',
      agent_id: 218,
      agent_secret_enc: ctx.secrets.seal('x'),
      callback_token: 'QDG6eK',
      callback_aes_key_enc: ctx.secrets.seal('jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C'),
    });
    const echostr = 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==';
    expect(
      await verifyCallbackUrl(
        ctx,
        'wx5823bf96d3bd56c7',
        {
          msg_signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
          timestamp: '1409659589',
          nonce: '263014780',
          echostr,
        },
        1409659589,
      ),
    ).toBe('1616140317555161061');
    const encrypt =
      'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==';
    const body = `<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>`;
    const stored = await receiveCallback(
      ctx,
      'wx5823bf96d3bd56c7',
      { msg_signature: '477715d11cdb4164915debcba66cb864d751f3e6', timestamp: '1409659813', nonce: '1372623149' },
      body,
      1409659813,
    );
    expect(stored.isNew).toBe(true);
    const row = await ctx.db('wecom_callback_events').where({ id: stored.eventId }).first('event', 'xml');
    expect(row.event).toBe('text');
    expect(row.xml).toContain('<Content><![CDATA[hello]]></Content>');
    // The same request a minute past the allowed skew is refused as stale.
    await expect(
      receiveCallback(
        ctx,
        'wx5823bf96d3bd56c7',
        { msg_signature: '477715d11cdb4164915debcba66cb864d751f3e6', timestamp: '1409659813', nonce: '1372623149' },
        body,
        1409659813 + 360,
      ),
    ).rejects.toMatchObject({ code: 'BAD_SIGNATURE', field: 'timestamp' });
  });

  it('answers WeCom URL verification with the plaintext echostr', async () => {
    const echostr = encrypt(corp.callbackAesKey, '4488112233', corp.wecomCorpId);
    const ts = Math.floor(Date.now() / 1000);
    const sig = getSignature(corp.callbackToken, ts, 'n1', echostr);
    const r = await fetch(
      `${api}/wecom/callback/${corp.wecomCorpId}?msg_signature=${sig}&timestamp=${ts}&nonce=n1&echostr=${encodeURIComponent(echostr)}`,
    );
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('4488112233');
  });

  it('refreshes a token invalidated mid-run once for a burst of 42001s', async () => {
    const client = await getWecomClient(ctx, corp.id);
    await client.listExternalContacts('licui');
    const before = sb.state.stats.gettoken;
    await sandboxApi('/faults', { expireTokens: true });
    const results = await Promise.all(Array.from({ length: 20 }, () => client.listExternalContacts('licui')));
    expect(results).toHaveLength(20);
    expect(sb.state.stats.gettoken - before).toBe(1);
  });

  it('calls gettoken once for a 42001 burst across processes sharing Redis', async () => {
    // Two clients for the same corp and app stand for two worker processes.
    const proc = () =>
      new WecomClient({
        baseUrl: sb.url,
        corpid: corp.wecomCorpId,
        secret: corp.agentSecret,
        app: 'multi',
        redis: ctx.redis,
        keyPrefix: ctx.queues.prefix,
      });
    const [p1, p2] = [proc(), proc()];
    await p1.listExternalContacts('licui');
    await sandboxApi('/faults', { expireTokens: true });
    const before = sb.state.stats.gettoken;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? p1 : p2).listExternalContacts('licui')),
    );
    expect(results).toHaveLength(20);
    expect(sb.state.stats.gettoken - before).toBe(1);
  });

  it('refreshes once on a rejected token (40014), and a bad secret (40001 from gettoken) fails at once', async () => {
    const client = new WecomClient({
      baseUrl: sb.url,
      corpid: corp.wecomCorpId,
      secret: corp.agentSecret,
      app: 'forged',
      redis: ctx.redis,
      keyPrefix: ctx.queues.prefix,
    });
    await ctx.redis.set(`${ctx.queues.prefix}:wecom:token:${corp.wecomCorpId}:forged`, 'not-a-token');
    const before = sb.state.stats.gettoken;
    await expect(client.listExternalContacts('licui')).resolves.toBeTruthy();
    expect(sb.state.stats.gettoken - before).toBe(1);
    const wrong = new WecomClient({
      baseUrl: sb.url,
      corpid: corp.wecomCorpId,
      secret: 'wrong',
      app: 'wrong',
      redis: ctx.redis,
      keyPrefix: ctx.queues.prefix,
    });
    await expect(wrong.listExternalContacts('licui')).rejects.toMatchObject({ errcode: 40001 });
    expect(sb.state.stats.gettoken - before).toBe(2);
  });

  it('backs off on 45033 and -1 (system busy) without refreshing the token', async () => {
    const client = new WecomClient({
      baseUrl: sb.url,
      corpid: corp.wecomCorpId,
      secret: corp.agentSecret,
      app: 'busy',
      redis: ctx.redis,
      keyPrefix: ctx.queues.prefix,
      backoffMs: [5, 5, 5],
    });
    await client.listExternalContacts('licui');
    const before = sb.state.stats.gettoken;
    await sandboxApi('/faults', { busy: { path: 'externalcontact/list', count: 2, errcode: 45033 } });
    await expect(client.listExternalContacts('licui')).resolves.toBeTruthy();
    await sandboxApi('/faults', { busy: { path: 'externalcontact/list', count: 3, errcode: -1 } });
    await expect(client.listExternalContacts('licui')).resolves.toBeTruthy();
    await sandboxApi('/faults', { busy: { path: 'externalcontact/list', count: 4, errcode: -1 } });
    await expect(client.listExternalContacts('licui')).rejects.toMatchObject({ errcode: -1 });
    expect(sb.state.stats.gettoken).toBe(before);
  });

  it('pauses the API on a 45009 without refreshing the token or retrying, then succeeds once the window passes', async () => {
    const client = new WecomClient({
      baseUrl: sb.url,
      corpid: corp.wecomCorpId,
      secret: corp.agentSecret,
      app: 'test',
      redis: ctx.redis,
      keyPrefix: ctx.queues.prefix,
      backoffMs: [5, 5, 5],
    });
    await client.listExternalContacts('licui');
    const before = sb.state.stats.gettoken;
    await sandboxApi('/faults', { rateLimit: { path: 'externalcontact/list', count: 1 } });
    // WeCom blocks for the broken window (a minute): retrying inside it only lengthens the block.
    await expect(client.listExternalContacts('licui')).rejects.toMatchObject({ errcode: 45009, retryAfterSeconds: 60 });
    expect(sb.state.stats.gettoken).toBe(before);
    const blockKey = `${ctx.queues.prefix}:wecom:blocked:${corp.wecomCorpId}:/cgi-bin/externalcontact/list`;
    await ctx.redis.del(blockKey); // the minute passes
    await expect(client.listExternalContacts('licui')).resolves.toBeTruthy();
    expect(sb.state.stats.gettoken).toBe(before);
  });

  it('turns a transfer and its refund into two transfer rows, and a re-poll adds nothing', async () => {
    const { transaction_id } = (await sandboxApi('/actions/transfer', {
      payee_userid: 'licui',
      external_userid: addedExt,
      amount_fen: 59_900,
      pay_time: Math.floor(Date.now() / 1000) - 120,
    })) as { transaction_id: string };
    await sandboxApi('/actions/refund', { transaction_id, amount_fen: 20_000 });
    await ctx.queues.enqueue(pollBillsJob, { corpId: corp.id });
    await ctx.queues.drain();
    const rows = await ctx.db('transfers').where({ corp_id: corp.id, transaction_id }).orderBy('bill_type');
    expect(rows.map((r) => [r.bill_type, r.total_fee_fen, r.total_refund_fee_fen, r.guide_id])).toEqual([
      [0, 59_900, 20_000, guide.id],
      [1, 59_900, 20_000, guide.id],
    ]);
    expect(rows[0].customer_id).not.toBeNull();
    const again = await runBillPoll(ctx, corp.id);
    expect(again.newTransferIds).toEqual([]);
    expect(await ctx.db('transfers').where({ corp_id: corp.id }).count('* as n').first()).toEqual({ n: 2 });
  });

  it('signs a guide in through OAuth and hands the sidebar JS-SDK signatures, never tickets', async () => {
    const start = await fetch(`${api}/api/auth/wecom/start?corp=${corp.wecomCorpId}&redirect=/sidebar`, {
      redirect: 'manual',
    });
    expect(start.status).toBe(302);
    const oauthCookie = start.headers.get('set-cookie')!.split(';')[0]!;
    const authorize = new URL(start.headers.get('location')!.replace('#wechat_redirect', ''));
    expect(authorize.searchParams.get('appid')).toBe(corp.wecomCorpId);
    authorize.searchParams.set('sandbox_userid', 'licui');
    const back = await fetch(authorize, { redirect: 'manual' });
    const cb = await fetch(back.headers.get('location')!, { redirect: 'manual', headers: { cookie: oauthCookie } });
    expect(cb.status).toBe(302);
    expect(cb.headers.get('location')).toBe('/sidebar');
    const session = cb.headers.getSetCookie().find((c) => c.startsWith('gp_session='))!;
    expect(session).toMatch(/HttpOnly/i);
    const cookie = session.split(';')[0]!;
    const me = await fetch(`${api}/api/auth/me`, { headers: { cookie } });
    expect(await me.json()).toMatchObject({ userid: 'licui', role: 'guide', guideId: guide.id });
    // The code is single-use.
    const replay = await fetch(back.headers.get('location')!, { redirect: 'manual', headers: { cookie: oauthCookie } });
    expect(replay.status).toBe(401);

    const sig = await fetch(`${api}/api/wecom/jssdk-signatures`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${api}/sidebar?corp=x#/profile` }),
    });
    const body = (await sig.json()) as {
      corpId: string;
      agentId: number;
      config: { timestamp: number; nonceStr: string; signature: string };
      agentConfig: { timestamp: number; nonceStr: string; signature: string };
    };
    expect(JSON.stringify(body)).not.toMatch(/ticket/i);
    const ticketOf = (k: string) => sb.state.tickets.get(`${corp.wecomCorpId}:${k}`)!.ticket;
    const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
    const url = `${api}/sidebar?corp=x`;
    expect(body.config.signature).toBe(
      sha1(
        `jsapi_ticket=${ticketOf('corp')}&noncestr=${body.config.nonceStr}&timestamp=${body.config.timestamp}&url=${url}`,
      ),
    );
    expect(body.agentConfig.signature).toBe(
      sha1(
        `jsapi_ticket=${ticketOf('agent')}&noncestr=${body.agentConfig.nonceStr}&timestamp=${body.agentConfig.timestamp}&url=${url}`,
      ),
    );
    expect(body).toMatchObject({ corpId: corp.wecomCorpId, agentId: corp.agentId });
  });

  it('rotates the session on sign-in: the session the browser held is revoked, and logout revokes the new one', async () => {
    const signIn = async (cookies: string) => {
      const start = await fetch(`${api}/api/auth/wecom/start?corp=${corp.wecomCorpId}&redirect=/sidebar`, {
        redirect: 'manual',
        headers: { cookie: cookies },
      });
      const oauthCookie = start.headers.get('set-cookie')!.split(';')[0]!;
      const authorize = new URL(start.headers.get('location')!.replace('#wechat_redirect', ''));
      authorize.searchParams.set('sandbox_userid', 'licui');
      const back = await fetch(authorize, { redirect: 'manual' });
      const cb = await fetch(back.headers.get('location')!, {
        redirect: 'manual',
        headers: { cookie: [cookies, oauthCookie].filter(Boolean).join('; ') },
      });
      expect(cb.status).toBe(302);
      return cb.headers
        .getSetCookie()
        .find((c) => c.startsWith('gp_session='))!
        .split(';')[0]!;
    };
    const me = (cookie: string) => fetch(`${api}/api/auth/me`, { headers: { cookie } }).then((r) => r.status);
    const first = await signIn('');
    expect(await me(first)).toBe(200);
    const second = await signIn(first);
    expect(second).not.toBe(first);
    expect(await me(first)).toBe(401);
    expect(await me(second)).toBe(200);
    const out = await fetch(`${api}/api/auth/logout`, { method: 'POST', headers: { cookie: second } });
    expect(out.status).toBe(200);
    expect(await me(second)).toBe(401);
  });

  it('reads group chats with their customers, pages contact ways and tags both ways', async () => {
    const client = await getWecomClient(ctx, corp.id);
    const { chat_id } = (await sandboxApi('/group-chats', {
      name: '南京西路店 宝妈群',
      owner: 'licui',
      members: [{ userid: 'licui' }, { external_userid: 'wmgroup1', name: '群友甲' }],
    })) as { chat_id: string };
    const list = await client.groupChatList({ owner_userids: ['licui'] });
    expect(list.group_chat_list.map((g) => g.chat_id)).toContain(chat_id);
    const chat = await client.groupChatGet(chat_id);
    expect(chat.group_chat.member_list.filter((m) => m.type === 2).map((m) => m.userid)).toEqual(['wmgroup1']);
    const way = await client.addContactWay({ type: 1, scene: 2, state: 'cp_test', user: ['licui'] });
    expect((await client.getContactWay(way.config_id)).contact_way).toMatchObject({
      state: 'cp_test',
      user: ['licui'],
    });
    await client.delContactWay(way.config_id);
    await expect(client.getContactWay(way.config_id)).rejects.toMatchObject({ errcode: 41044 });
    await client.editCorpTag({ id: 'etVIP', name: '超级VIP会员' });
    expect((await client.getCorpTags()).tag_group[0]!.tag[0]!.name).toBe('超级VIP会员');
  });

  it('uploads a stored image once and reuses its media_id for under three days', async () => {
    const png = Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2212bc10000000049454e44ae426082',
      'hex',
    );
    const [{ id }] = await ctx
      .db('media_assets')
      .insert({
        corp_id: corp.id,
        kind: 'image',
        filename: 'poster.png',
        content_type: 'image/png',
        sha256: createHash('sha256').update(png).digest('hex'),
        content: png,
      })
      .returning('id');
    const before = sb.state.stats.mediaUpload;
    const a = await ensureMediaId(ctx, corp.id, id);
    expect(await ensureMediaId(ctx, corp.id, id)).toBe(a);
    expect(sb.state.stats.mediaUpload - before).toBe(1);
    const later = await ensureMediaId(ctx, corp.id, id, Date.now() + 3 * 86_400_000);
    expect(later).not.toBe(a);
    expect(sb.state.stats.mediaUpload - before).toBe(2);
  });

  it('uploads an asset once when two requests want its media_id at the same time', async () => {
    const png = Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2212bc10000000049454e44ae426083',
      'hex',
    );
    const [{ id }] = await ctx
      .db('media_assets')
      .insert({
        corp_id: corp.id,
        kind: 'image',
        filename: 'script.png',
        content_type: 'image/png',
        sha256: createHash('sha256').update(png).digest('hex'),
        content: png,
      })
      .returning('id');
    const before = sb.state.stats.mediaUpload;
    const [a, b] = await Promise.all([ensureMediaId(ctx, corp.id, id), ensureMediaId(ctx, corp.id, id)]);
    expect(b).toBe(a);
    expect(sb.state.stats.mediaUpload - before).toBe(1);
  });

  it('waits for the media_id another process is uploading instead of uploading again', async () => {
    const png = Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2212bc10000000049454e44ae426084',
      'hex',
    );
    const [{ id }] = await ctx
      .db('media_assets')
      .insert({
        corp_id: corp.id,
        kind: 'image',
        filename: 'script2.png',
        content_type: 'image/png',
        sha256: createHash('sha256').update(png).digest('hex'),
        content: png,
      })
      .returning('id');
    const before = sb.state.stats.mediaUpload;
    // Another process holds the asset's upload lock…
    await ctx.redis.set(mediaUploadLockKey(ctx, corp.id, id), 'other-process', 'PX', 30_000);
    const pending = ensureMediaId(ctx, corp.id, id);
    // …and stores its media_id.
    await ctx
      .db('media_assets')
      .where({ id })
      .update({ wecom_media_id: '3from-the-other-process', wecom_uploaded_at: new Date() });
    expect(await pending).toBe('3from-the-other-process');
    expect(sb.state.stats.mediaUpload - before).toBe(0);
    expect(await ctx.redis.get(mediaUploadLockKey(ctx, corp.id, id))).toBe('other-process');
    await ctx.redis.del(mediaUploadLockKey(ctx, corp.id, id));
  });
});

describe('WeCom layer: a second tenant, races, resumption and retries', () => {
  let b: CorpFixture;
  let storeB = 0;
  let g1: { id: number; userid: string };
  let g2: { id: number; userid: string };
  const apiB = (path: string, body?: unknown) =>
    fetch(
      `${sb.url}/sandbox/api/corps/${b.wecomCorpId}${path}`,
      body === undefined
        ? {}
        : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    ).then(async (r) => {
      if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return r.json() as Promise<Record<string, unknown>>;
    });
  async function settleB(): Promise<void> {
    await expect
      .poll(
        async () =>
          ((await apiB('/callbacks')) as unknown as { status: string }[]).every((c) => c.status !== 'pending'),
        { timeout: 5000, interval: 20 },
      )
      .toBe(true);
    await ctx.queues.drain();
  }
  const relation = (ext: string, guideId: number) =>
    ctx
      .db('customer_guides as cg')
      .join('customers as c', 'c.id', 'cg.customer_id')
      .where({ 'c.external_userid': ext, 'cg.guide_id': guideId, 'cg.corp_id': b.id })
      .first('cg.ended_at', 'cg.end_reason', 'cg.state', 'cg.add_way');
  function signedPostB(xml: string) {
    const enc = encrypt(b.callbackAesKey, xml, b.wecomCorpId);
    const ts = Math.floor(Date.now() / 1000);
    const sig = getSignature(b.callbackToken, ts, 'n2', enc);
    return {
      url: `${api}/wecom/callback/${b.wecomCorpId}?msg_signature=${sig}&timestamp=${ts}&nonce=n2`,
      body: `<xml><ToUserName><![CDATA[${b.wecomCorpId}]]></ToUserName><AgentID><![CDATA[${b.agentId}]]></AgentID><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`,
    };
  }

  beforeAll(async () => {
    b = await createCorp(ctx.db, ctx.secrets, { name: '第二租户' });
    storeB = await createStore(ctx.db, b.id, await createRegion(ctx.db, b.id));
    g1 = await createGuide(ctx.db, b.id, storeB, { userid: 'wangfang', name: '王芳' });
    g2 = await createGuide(ctx.db, b.id, storeB, { userid: 'zhaolei', name: '赵磊' });
    await sandboxCorp(sb.url, b, { name: '第二租户', callbackTo: api });
    await apiB('/members', {
      members: [
        { userid: 'wangfang', name: '王芳' },
        { userid: 'zhaolei', name: '赵磊' },
      ],
    });
    await apiB('/contact-ways', { state: 'st_b', userids: ['wangfang'] });
  });

  it('keeps tenants apart: own secrets sealed at rest, own tokens, and one corp cannot sign for another', async () => {
    const row = await ctx.db('corps').where({ id: b.id }).first();
    expect(row.agent_secret_enc).not.toContain(b.agentSecret);
    expect(row.callback_aes_key_enc).not.toContain(b.callbackAesKey);
    const { external_userid } = (await apiB('/actions/scan-contact-way', {
      state: 'st_b',
      customer: { name: '孙女士' },
    })) as { external_userid: string };
    await settleB();
    expect(await ctx.db('customers').where({ external_userid }).pluck('corp_id')).toEqual([b.id]);
    expect(await relation(external_userid, g1.id)).toMatchObject({ ended_at: null, state: 'st_b', add_way: 1 });
    const [ta, tb] = await Promise.all([
      (await getWecomClient(ctx, corp.id)).accessToken(),
      (await getWecomClient(ctx, b.id)).accessToken(),
    ]);
    expect(ta).not.toBe(tb);
    // Corp A's token and key, posted to corp B's URL.
    const enc = encrypt(
      corp.callbackAesKey,
      eventXml('edit_external_contact', external_userid, Math.floor(Date.now() / 1000)),
      corp.wecomCorpId,
    );
    const ts = Math.floor(Date.now() / 1000);
    const r = await fetch(
      `${api}/wecom/callback/${b.wecomCorpId}?msg_signature=${getSignature(corp.callbackToken, ts, 'x', enc)}&timestamp=${ts}&nonce=x`,
      { method: 'POST', body: `<xml><Encrypt><![CDATA[${enc}]]></Encrypt></xml>` },
    );
    expect(r.status).toBe(401);
    // B's token, but a payload encrypted for another receive id.
    const foreign = encrypt(b.callbackAesKey, '<xml><ToUserName>x</ToUserName></xml>', corp.wecomCorpId);
    const r2 = await fetch(
      `${api}/wecom/callback/${b.wecomCorpId}?msg_signature=${getSignature(b.callbackToken, ts, 'y', foreign)}&timestamp=${ts}&nonce=y`,
      { method: 'POST', body: `<xml><Encrypt><![CDATA[${foreign}]]></Encrypt></xml>` },
    );
    expect(r2.status).toBe(401);
    expect(((await r2.json()) as { error: { message: string } }).error.message).toMatch(/receive id/);
  });

  it('converges when two events for one customer are processed at the same time (a slow read cannot land last)', async () => {
    const { external_userid: ext } = (await apiB('/actions/scan-contact-way', {
      state: 'st_b',
      customer: { name: '周女士' },
    })) as { external_userid: string };
    await settleB();
    expect((await relation(ext, g1.id))?.ended_at).toBeNull();
    // The guide edits the customer's tags; our re-read of the contact is slow on the network…
    await apiB('/faults', { delay: { path: 'externalcontact/get', count: 1, ms: 600 } });
    await apiB('/actions/edit-tags', { userid: 'wangfang', external_userid: ext, add: [] });
    await expect.poll(() => sb.state.delayedInFlight, { timeout: 5000, interval: 10 }).toBe(1);
    // …and meanwhile the customer deletes the guide, whose event is processed concurrently.
    await apiB('/actions/customer-deletes-guide', { userid: 'wangfang', external_userid: ext });
    await settleB();
    expect(sb.state.delayedInFlight).toBe(0);
    expect(await relation(ext, g1.id)).toMatchObject({ ended_at: expect.any(Date), end_reason: 'customer_deleted' });
  });

  it('processes an event that was stored but never queued when WeCom retries it', async () => {
    const { external_userid: ext } = (await apiB('/actions/scan-contact-way', {
      state: 'st_b',
      customer: { name: '吴先生' },
    })) as { external_userid: string };
    await settleB();
    const xml = `<xml><ToUserName><![CDATA[${b.wecomCorpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[edit_external_contact]]></ChangeType><UserID><![CDATA[wangfang]]></UserID><ExternalUserID><![CDATA[${ext}]]></ExternalUserID></xml>`;
    const p = signedPostB(xml);
    // The first delivery was stored, then the process died before queueing it.
    const u = new URL(p.url);
    const stored = await receiveCallback(ctx, b.wecomCorpId, Object.fromEntries(u.searchParams), p.body);
    expect(stored).toMatchObject({ isNew: true, pending: true });
    await ctx.queues.drain();
    expect(await ctx.db('wecom_callback_events').where({ id: stored.eventId }).first('status')).toEqual({
      status: 'received',
    });
    // WeCom did not get its 200, so it delivers again.
    expect((await fetch(p.url, { method: 'POST', body: p.body })).status).toBe(200);
    await ctx.queues.drain();
    expect(await ctx.db('wecom_callback_events').where({ id: stored.eventId }).first('status', 'deliveries')).toEqual({
      status: 'processed',
      deliveries: 2,
    });
    // A third delivery after processing queues nothing and changes nothing.
    expect((await fetch(p.url, { method: 'POST', body: p.body })).status).toBe(200);
    expect(await ctx.queues.queue('wecom').getJobCounts('waiting', 'active', 'delayed')).toEqual({
      waiting: 0,
      active: 0,
      delayed: 0,
    });
  });

  it('a scheduled sweep queues an event that was stored but never queued', async () => {
    const { external_userid: ext } = (await apiB('/actions/scan-contact-way', {
      state: 'st_b',
      customer: { name: '陈先生' },
    })) as { external_userid: string };
    await settleB();
    const xml = `<xml><ToUserName><![CDATA[${b.wecomCorpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[edit_external_contact]]></ChangeType><UserID><![CDATA[wangfang]]></UserID><ExternalUserID><![CDATA[${ext}]]></ExternalUserID></xml>`;
    const p = signedPostB(xml);
    const stored = await receiveCallback(ctx, b.wecomCorpId, Object.fromEntries(new URL(p.url).searchParams), p.body);
    // Too fresh to be called stuck: it may still be on its way to the queue.
    await ctx.queues.enqueue(wecomFanoutJob, { kind: 'callbacks' }, { jobId: 'sweep-fresh' });
    await ctx.queues.drain();
    expect(await ctx.db('wecom_callback_events').where({ id: stored.eventId }).first('status')).toEqual({
      status: 'received',
    });
    await ctx
      .db('wecom_callback_events')
      .where({ id: stored.eventId })
      .update({ received_at: ctx.db.raw("now() - interval '10 minutes'") });
    await Promise.all([
      ctx.queues.enqueue(wecomFanoutJob, { kind: 'callbacks' }, { jobId: 'sweep-a' }),
      ctx.queues.enqueue(wecomFanoutJob, { kind: 'callbacks' }, { jobId: 'sweep-b' }),
    ]);
    await ctx.queues.drain();
    expect(await ctx.db('wecom_callback_events').where({ id: stored.eventId }).first('status')).toEqual({
      status: 'processed',
    });
  });

  it('handles customer transfers: a failed one leaves the customer with the guide, a done one moves them', async () => {
    const { external_userid: ext } = (await apiB('/actions/scan-contact-way', {
      state: 'st_b',
      customer: { name: '郑女士' },
    })) as { external_userid: string };
    await settleB();
    await apiB('/actions/transfer-customer', {
      handover_userid: 'wangfang',
      takeover_userid: 'zhaolei',
      external_userid: ext,
      outcome: 'customer_refused',
    });
    await settleB();
    expect(
      await ctx.db('wecom_callback_events').where({ corp_id: b.id, change_type: 'transfer_fail' }).pluck('status'),
    ).toEqual(['processed']);
    expect((await relation(ext, g1.id))?.ended_at).toBeNull();
    expect(await relation(ext, g2.id)).toBeUndefined();
    await apiB('/actions/transfer-customer', {
      handover_userid: 'wangfang',
      takeover_userid: 'zhaolei',
      external_userid: ext,
    });
    await settleB();
    expect(await relation(ext, g1.id)).toMatchObject({ ended_at: expect.any(Date), end_reason: 'transferred' });
    expect(await relation(ext, g2.id)).toMatchObject({ ended_at: null, add_way: 202, state: 'st_b' });
  });

  it('reads every follower of a customer with more than 500 (follow_user pages), ending nobody by mistake', async () => {
    const crowd = Array.from({ length: 500 }, (_, i) => ({ userid: `m${i}`, name: `成员${i}` }));
    await apiB('/members', { members: crowd });
    const ext = 'wmcrowded0001';
    await apiB('/contacts', {
      contacts: [
        {
          external_userid: ext,
          name: '大客户',
          follow_user: [
            ...crowd.map((m) => ({ userid: m.userid, createtime: 1_700_000_000 })),
            { userid: 'zhaolei', createtime: 1_700_000_500, state: 'st_b' },
          ],
        },
      ],
    });
    const client = await getWecomClient(ctx, b.id);
    const full = await client.getExternalContact(ext);
    expect(full.follow_user).toHaveLength(501);
    // zhaolei (the 501st follower) edits the customer's tags in the client.
    await apiB('/actions/edit-tags', { userid: 'zhaolei', external_userid: ext, add: [] });
    await settleB();
    expect(await relation(ext, g2.id)).toMatchObject({ ended_at: null, state: 'st_b' });
  });

  it('a nightly contact sync does not end a relation a callback added while the sync was reading', async () => {
    await apiB('/faults', { delay: { path: 'externalcontact/batch/get_by_user', count: 1, ms: 600 } });
    await ctx.queues.enqueue(syncContactsJob, { corpId: b.id, userid: 'wangfang' });
    await expect.poll(() => sb.state.delayedInFlight, { timeout: 5000, interval: 10 }).toBe(1);
    const { external_userid: ext } = (await apiB('/actions/scan-contact-way', {
      state: 'st_b',
      customer: { name: '冯女士' },
    })) as { external_userid: string };
    await settleB();
    expect(sb.state.delayedInFlight).toBe(0);
    expect(await relation(ext, g1.id)).toMatchObject({ ended_at: null, state: 'st_b' });
  });

  it('a nightly contact sync records a customer added while no callback reached us, once, and re-attributes her orders', async () => {
    const ext = 'wmmissedcallback01';
    // Added today, like every customer of hers in this file (the behaviour data test counts them).
    const addedAt = Math.floor(Date.now() / 1000) - 10;
    // A store customer we know from POS, who added 王芳 and then paid in store; WeCom's callback never arrived.
    const customer = await createCustomer(ctx.db, b.id, { externalUserid: ext, name: '褚女士' });
    const [o] = await ctx
      .db('orders')
      .insert({
        corp_id: b.id,
        source: 'pos',
        order_no: 'POS-MISSED-1',
        store_id: storeB,
        customer_id: customer.id,
        paid_at: new Date((addedAt + 5) * 1000),
        gross_fen: 45_900,
        net_fen: 45_900,
      })
      .returning<{ id: number }[]>('id');
    await ctx.queues.enqueue(attributeJob, { corpId: b.id, orderIds: [o!.id], reason: 'order ingested' });
    await ctx.queues.drain();
    const credited = () =>
      ctx
        .db('credits')
        .where({ order_id: o!.id, kind: 'sale' })
        .whereNull('superseded_at')
        .select('guide_id', 'rule', 'amount_fen');
    expect(await credited()).toEqual([]);
    await apiB('/contacts', {
      contacts: [
        {
          external_userid: ext,
          name: '褚女士',
          follow_user: [{ userid: 'wangfang', createtime: addedAt, state: 'st_b' }],
        },
      ],
    });

    // Own job ids: the hourly id of this guide's sync is taken by the test above.
    await ctx.queues.enqueue(
      syncContactsJob,
      { corpId: b.id, userid: 'wangfang' },
      { jobId: 'sync-contacts-missed-callback' },
    );
    await ctx.queues.drain();
    expect(await relation(ext, g1.id)).toMatchObject({ ended_at: null, state: 'st_b' });
    const added = () =>
      ctx
        .db('interactions')
        .where({ corp_id: b.id, customer_id: customer.id, kind: 'customer_added' })
        .select('guide_id', 'occurred_at');
    expect(await added()).toEqual([{ guide_id: g1.id, occurred_at: new Date(addedAt * 1000) }]);
    expect(await credited()).toEqual([{ guide_id: g1.id, rule: 'interaction', amount_fen: 45_900 }]);

    // The next night's sync and a late callback for the same add record nothing more.
    await ctx.queues.enqueue(
      syncContactsJob,
      { corpId: b.id, userid: 'wangfang' },
      { jobId: 'sync-contacts-missed-callback-again' },
    );
    const late = signedPostB(
      eventXml('add_external_contact', ext, addedAt, { corpid: b.wecomCorpId, userid: 'wangfang', state: 'st_b' }),
    );
    expect((await fetch(late.url, { method: 'POST', body: late.body })).status).toBe(200);
    await ctx.queues.drain();
    expect(await added()).toHaveLength(1);
    expect(await credited()).toEqual([{ guide_id: g1.id, rule: 'interaction', amount_fen: 45_900 }]);
  });

  it('resyncs corp tags on every change_external_tag, even two in the same minute', async () => {
    const { tag_id: t1 } = (await apiB('/actions/admin-edit-tag', {
      change: 'create',
      group_name: '尺码',
      name: '鞋码 38',
    })) as { tag_id: string };
    await settleB();
    const { tag_id: t2 } = (await apiB('/actions/admin-edit-tag', {
      change: 'create',
      group_name: '尺码',
      name: '鞋码 39',
    })) as { tag_id: string };
    await settleB();
    expect(
      await ctx.db('tags').where({ corp_id: b.id }).whereNull('deleted_at').orderBy('name').pluck('wecom_tag_id'),
    ).toEqual([t1, t2]);
    await apiB('/actions/admin-edit-tag', { change: 'delete', tag_id: t1 });
    await settleB();
    expect(await ctx.db('tags').where({ corp_id: b.id }).whereNull('deleted_at').pluck('wecom_tag_id')).toEqual([t2]);
    expect(await ctx.db('tag_groups').where({ corp_id: b.id }).first('kind')).toEqual({ kind: 'size' });
  });

  it('resumes a bill poll that died mid-window with the same window, losing and doubling nothing', async () => {
    const t = Math.floor(Date.now() / 1000);
    const ids: string[] = [];
    for (const [i, fen] of [12_900, 25_000, 7_800].entries()) {
      ids.push(
        (
          (await apiB('/actions/transfer', {
            payee_userid: 'wangfang',
            amount_fen: fen,
            pay_time: t - 300 + i * 100,
            payer: { name: '钱女士', phone: '138****0000', address: '上海' },
          })) as { transaction_id: string }
        ).transaction_id,
      );
    }
    const client = await getWecomClient(ctx, b.id);
    // An earlier run brought the corp up to date, so this window is short and ends at "now".
    await pollBills(ctx, client, b.id, t - 1000);
    let calls = 0;
    // The worker dies after the first page.
    const dying = Object.assign(Object.create(client) as WecomClient, {
      getBillList: (body: Parameters<WecomClient['getBillList']>[0]) =>
        ++calls === 2 ? Promise.reject(new Error('worker killed')) : client.getBillList(body),
    });
    await expect(pollBills(ctx, dying, b.id, t, { limit: 1 })).rejects.toThrow('worker killed');
    expect(await ctx.db('transfers').where({ corp_id: b.id }).count('* as n').first()).toEqual({ n: 1 });
    // A minute later the next run resumes the saved cursor on the window it belongs to.
    const r = await pollBills(ctx, client, b.id, t + 60, { limit: 1 });
    expect(r.newTransferIds).toHaveLength(2);
    expect(await ctx.db('transfers').where({ corp_id: b.id }).orderBy('pay_time').pluck('transaction_id')).toEqual(ids);
    expect((await ctx.db('transfers').where({ corp_id: b.id }).first('raw')).raw).toMatchObject({
      payer_info: { name: '钱女士' },
    });
    const again = await pollBills(ctx, client, b.id, t + 120, { limit: 1 });
    expect(again.newTransferIds).toEqual([]);
  });

  it('stores behaviour data for exactly the guide and the China-time day asked for', async () => {
    // The China-time day of her latest add (this file's run may cross midnight there), and her adds that day.
    const chinaDay = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    const adds = (
      await ctx
        .db('customer_guides')
        .where({ guide_id: g1.id })
        .whereNull('ended_at')
        .select<{ added_at: Date }[]>('added_at')
    ).map((r) => chinaDay(r.added_at));
    const day = adds.sort().at(-1)!;
    expect(await runBehaviorData(ctx, b.id, 'wangfang', day)).toBe(1);
    const rows = await ctx
      .db('guide_behavior_daily')
      .where({ corp_id: b.id })
      .select('guide_id', 'day', 'new_contact_cnt');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ guide_id: g1.id, day });
    expect(rows[0].new_contact_cnt).toBe(adds.filter((d) => d === day).length);
  });

  it('caches JS-SDK tickets per corp and app: repeated signatures fetch each ticket once', async () => {
    const before = sb.state.stats.tickets;
    const session = signSession(ctx.cfg.SESSION_SECRET, { corpId: b.id, userid: 'wangfang' }, 600);
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${api}/api/wecom/jssdk-signatures`, {
        method: 'POST',
        headers: { authorization: `Bearer ${session}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: `${api}/sidebar?i=${i}#x` }),
      });
      expect(r.status).toBe(200);
    }
    expect(sb.state.stats.tickets - before).toBe(2);
  });

  it('turns a timeout into a WecomError with an errcode', async () => {
    const client = new WecomClient({
      baseUrl: sb.url,
      corpid: b.wecomCorpId,
      secret: b.agentSecret,
      app: 'timeout-test',
      redis: ctx.redis,
      keyPrefix: ctx.queues.prefix,
      timeoutMs: 100,
    });
    await client.accessToken();
    await apiB('/faults', { delay: { path: 'externalcontact/list', count: 1, ms: 1000 } });
    const err: unknown = await client.listExternalContacts('wangfang').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WecomError);
    expect(err).toMatchObject({ errcode: -1, errmsg: expect.stringMatching(/timed out/) });
    await expect.poll(() => sb.state.delayedInFlight, { timeout: 5000, interval: 20 }).toBe(0);
  });
});
