import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decrypt, getSignature } from '@wecom/crypto';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/wecom/server';

const CORP = 'wwsandboxtest01';
const SECRET = 'agent-secret-for-tests';
const TOKEN = 'cbtoken';
const AES = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';

let clock = Date.parse('2026-11-24T02:00:00Z');
let sb: Sandbox;
let receiver: Server;
let receiverUrl = '';
let failNext = 0;
const received: { query: URLSearchParams; body: string }[] = [];

async function call(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(
    `${sb.url}${path}`,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  return (await res.json()) as Record<string, unknown>;
}
async function token(): Promise<string> {
  const r = await call(`/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`);
  return r.access_token as string;
}
const readBody = (req: IncomingMessage) =>
  new Promise<string>((r) => {
    let s = '';
    req.on('data', (d: Buffer) => (s += d.toString()));
    req.on('end', () => r(s));
  });

beforeAll(async () => {
  receiver = createServer(async (req, res) => {
    const body = await readBody(req);
    received.push({ query: new URL(req.url!, 'http://x').searchParams, body });
    if (failNext > 0) {
      failNext--;
      res.writeHead(500).end();
    } else res.writeHead(200).end('success');
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/wecom/callback/${CORP}`;
  sb = await startSandbox({ now: () => clock, retryDelaysMs: [5, 5], callbackTimeoutMs: 2000 });
  await call('/sandbox/api/corps', {
    corpid: CORP,
    name: '沙箱测试',
    agentid: 1000002,
    secret: SECRET,
    callback: { url: receiverUrl, token: TOKEN, encodingAESKey: AES },
  });
  await call(`/sandbox/api/corps/${CORP}/members`, {
    members: [
      { userid: 'licui', name: '李翠' },
      { userid: 'zhangmin', name: '张敏' },
    ],
  });
  await call(`/sandbox/api/corps/${CORP}/tags`, {
    groups: [{ group_id: 'etG1', group_name: '客户价值', tag: [{ id: 'etVIP', name: '超级VIP' }] }],
  });
  await call(`/sandbox/api/corps/${CORP}/contacts`, {
    contacts: Array.from({ length: 120 }, (_, i) => ({
      external_userid: `wmc${i}`,
      name: `客户${i}`,
      follow_user: [
        {
          userid: i % 2 ? 'licui' : 'zhangmin',
          createtime: 1_700_000_000 + i,
          state: 'st_S0001',
          tag_ids: i === 1 ? ['etVIP'] : [],
        },
      ],
    })),
  });
  await call(`/sandbox/api/corps/${CORP}/contact-ways`, { state: 'st_S0001', userids: ['licui'] });
});
afterAll(async () => {
  await sb.close();
  receiver.close();
});

describe('sandbox WeCom: tokens and errors', () => {
  it('returns the same token until it expires, then a new one', async () => {
    const a = await token();
    expect(await token()).toBe(a);
    clock += 7201_000;
    const b = await token();
    expect(b).not.toBe(a);
    const r = await call(`/cgi-bin/externalcontact/list?access_token=${a}&userid=licui`);
    expect(r.errcode).toBe(42001);
    expect(r.errmsg).toMatch(
      /^access_token expired, hint: \[.+\], from ip: .+, more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=42001$/,
    );
  });

  it('answers 40013 / 40001 / 40014 like the real service', async () => {
    expect((await call('/cgi-bin/gettoken?corpid=nope&corpsecret=x')).errcode).toBe(40013);
    expect((await call(`/cgi-bin/gettoken?corpid=${CORP}&corpsecret=wrong`)).errcode).toBe(40001);
    expect((await call('/cgi-bin/externalcontact/list?access_token=forged&userid=licui')).errcode).toBe(40014);
  });

  it('invalidates tokens early on request (42001), and a fresh gettoken recovers', async () => {
    const t = await token();
    await call(`/sandbox/api/corps/${CORP}/faults`, { expireTokens: true });
    expect((await call(`/cgi-bin/externalcontact/list?access_token=${t}&userid=licui`)).errcode).toBe(42001);
    const t2 = await token();
    expect(t2).not.toBe(t);
    expect((await call(`/cgi-bin/externalcontact/list?access_token=${t2}&userid=licui`)).errcode).toBe(0);
  });

  it('answers a burst with 45009 and then recovers', async () => {
    const t = await token();
    await call(`/sandbox/api/corps/${CORP}/faults`, { rateLimit: { path: 'externalcontact/get', count: 3 } });
    const codes = [];
    for (let i = 0; i < 4; i++)
      codes.push((await call(`/cgi-bin/externalcontact/get?access_token=${t}&external_userid=wmc1`)).errcode);
    expect(codes).toEqual([45009, 45009, 45009, 0]);
  });
});

describe('sandbox WeCom: contacts, tags, bills, OAuth', () => {
  it('serves externalcontact/get with follow_user tags and state; 84061 for strangers', async () => {
    const t = await token();
    const r = await call(`/cgi-bin/externalcontact/get?access_token=${t}&external_userid=wmc1`);
    expect(r).toMatchObject({
      errcode: 0,
      external_contact: { external_userid: 'wmc1', name: '客户1' },
      follow_user: [
        {
          userid: 'licui',
          state: 'st_S0001',
          tags: [{ tag_id: 'etVIP', tag_name: '超级VIP', group_name: '客户价值', type: 1 }],
        },
      ],
    });
    expect((await call(`/cgi-bin/externalcontact/get?access_token=${t}&external_userid=wmnobody`)).errcode).toBe(84061);
  });

  it('pages batch/get_by_user with a cursor until it is empty', async () => {
    const t = await token();
    const seen: string[] = [];
    let cursor = '';
    do {
      const r = await call(`/cgi-bin/externalcontact/batch/get_by_user?access_token=${t}`, {
        userid_list: ['licui'],
        cursor,
        limit: 25,
      });
      expect(r.errcode).toBe(0);
      for (const e of r.external_contact_list as {
        external_contact: { external_userid: string };
        follow_info: { userid: string };
      }[]) {
        expect(e.follow_info.userid).toBe('licui');
        seen.push(e.external_contact.external_userid);
      }
      cursor = r.next_cursor as string;
    } while (cursor);
    expect(new Set(seen).size).toBe(60);
  });

  it('mark_tag changes tags silently (no callback) and rejects unknown tag ids with 40068', async () => {
    const t = await token();
    const before = received.length;
    expect(
      (
        await call(`/cgi-bin/externalcontact/mark_tag?access_token=${t}`, {
          userid: 'licui',
          external_userid: 'wmc3',
          add_tag: ['etVIP'],
        })
      ).errcode,
    ).toBe(0);
    expect(
      (
        await call(`/cgi-bin/externalcontact/mark_tag?access_token=${t}`, {
          userid: 'licui',
          external_userid: 'wmc3',
          add_tag: ['etNOPE'],
        })
      ).errcode,
    ).toBe(40068);
    expect(received.length).toBe(before);
  });

  it('lists bills in at most a one-month window, with refund records', async () => {
    const t = await token();
    const pay = Math.floor(clock / 1000) - 3600;
    const { transaction_id } = (await call(`/sandbox/api/corps/${CORP}/actions/transfer`, {
      payee_userid: 'licui',
      external_userid: 'wmc1',
      amount_fen: 39_900,
      pay_time: pay,
    })) as { transaction_id: string };
    await call(`/sandbox/api/corps/${CORP}/actions/refund`, {
      transaction_id,
      amount_fen: 10_000,
      refund_time: pay + 60,
    });
    const r = await call(`/cgi-bin/externalpay/get_bill_list?access_token=${t}`, {
      begin_time: pay - 10,
      end_time: pay + 100,
      limit: 1,
    });
    expect(r.errcode).toBe(0);
    expect((r.bill_list as unknown[])[0]).toMatchObject({
      transaction_id,
      bill_type: 0,
      trade_state: 3,
      total_fee: 39_900,
      total_refund_fee: 10_000,
      payee_userid: 'licui',
      external_userid: 'wmc1',
    });
    const r2 = await call(`/cgi-bin/externalpay/get_bill_list?access_token=${t}`, {
      begin_time: pay - 10,
      end_time: pay + 100,
      limit: 1,
      cursor: r.next_cursor,
    });
    expect((r2.bill_list as unknown[])[0]).toMatchObject({
      transaction_id,
      bill_type: 1,
      total_refund_fee: 10_000,
      out_refund_no: expect.any(String),
    });
    expect(r2.next_cursor).toBeUndefined();
    const wide = await call(`/cgi-bin/externalpay/get_bill_list?access_token=${t}`, {
      begin_time: pay - 40 * 86_400,
      end_time: pay,
    });
    expect(wide.errcode).not.toBe(0);
  });

  it('binds a bill cursor to the query that issued it', async () => {
    const t = await token();
    const pay = Math.floor(clock / 1000) - 1800;
    await call(`/sandbox/api/corps/${CORP}/actions/transfer`, {
      payee_userid: 'zhangmin',
      amount_fen: 100,
      pay_time: pay,
    });
    await call(`/sandbox/api/corps/${CORP}/actions/transfer`, {
      payee_userid: 'zhangmin',
      amount_fen: 200,
      pay_time: pay + 1,
    });
    const first = await call(`/cgi-bin/externalpay/get_bill_list?access_token=${t}`, {
      begin_time: pay - 10,
      end_time: pay + 10,
      payee_userid: 'zhangmin',
      limit: 1,
    });
    expect(first.next_cursor).toEqual(expect.any(String));
    const moved = await call(`/cgi-bin/externalpay/get_bill_list?access_token=${t}`, {
      begin_time: pay - 10,
      end_time: pay + 70,
      payee_userid: 'zhangmin',
      limit: 1,
      cursor: first.next_cursor,
    });
    expect(moved.errcode).toBe(40058);
    const same = await call(`/cgi-bin/externalpay/get_bill_list?access_token=${t}`, {
      begin_time: pay - 10,
      end_time: pay + 10,
      payee_userid: 'zhangmin',
      limit: 1,
      cursor: first.next_cursor,
    });
    expect(same).toMatchObject({ errcode: 0, bill_list: [{ total_fee: 200 }] });
    expect(same.next_cursor).toBeUndefined();
  });

  it('pages follow_user 500 at a time with next_cursor', async () => {
    const t = await token();
    const crowd = Array.from({ length: 501 }, (_, i) => ({ userid: `crowd${i}`, name: `成员${i}` }));
    await call(`/sandbox/api/corps/${CORP}/members`, { members: crowd });
    await call(`/sandbox/api/corps/${CORP}/contacts`, {
      contacts: [
        {
          external_userid: 'wmcrowd',
          name: '大客户',
          follow_user: crowd.map((m) => ({ userid: m.userid, createtime: 1_700_000_000 })),
        },
      ],
    });
    const p1 = await call(`/cgi-bin/externalcontact/get?access_token=${t}&external_userid=wmcrowd`);
    expect(p1.follow_user as unknown[]).toHaveLength(500);
    const p2 = await call(
      `/cgi-bin/externalcontact/get?access_token=${t}&external_userid=wmcrowd&cursor=${String(p1.next_cursor)}`,
    );
    expect(p2).toMatchObject({ errcode: 0, follow_user: [{ userid: 'crowd500' }] });
    expect(p2.next_cursor).toBeUndefined();
  });

  it('serves behaviour data per China-time day, one guide or summed over several, within 30 days', async () => {
    const t = await token();
    const cstMidnight = Math.floor((Math.floor(clock / 1000) + 8 * 3600) / 86_400) * 86_400 - 8 * 3600;
    const one = await call(`/cgi-bin/externalcontact/get_user_behavior_data?access_token=${t}`, {
      userid: ['licui'],
      start_time: cstMidnight,
      end_time: cstMidnight + 86_399,
    });
    expect(one.behavior_data).toEqual([expect.objectContaining({ stat_time: cstMidnight, chat_cnt: 0 })]);
    expect((one.behavior_data as Record<string, unknown>[])[0]).not.toHaveProperty('reply_percentage');
    const mid = await call(`/cgi-bin/externalcontact/get_user_behavior_data?access_token=${t}`, {
      userid: ['licui'],
      start_time: cstMidnight + 3600,
      end_time: cstMidnight + 7200,
    });
    expect((mid.behavior_data as { stat_time: number }[]).map((d) => d.stat_time)).toEqual([cstMidnight]);
    expect(
      (
        await call(`/cgi-bin/externalcontact/get_user_behavior_data?access_token=${t}`, {
          userid: ['licui'],
          start_time: cstMidnight - 30 * 86_400,
          end_time: cstMidnight + 60,
        })
      ).errcode,
    ).toBe(40058);
    expect(
      (
        await call(`/cgi-bin/externalcontact/get_user_behavior_data?access_token=${t}`, {
          userid: [],
          start_time: cstMidnight,
          end_time: cstMidnight + 60,
        })
      ).errcode,
    ).toBe(40058);
  });

  it('limits JS-SDK tickets to 100 calls an hour per app (45009), then recovers the next hour', async () => {
    const t = await token();
    const codes: number[] = [];
    for (let i = 0; i < 101; i++)
      codes.push((await call(`/cgi-bin/ticket/get?access_token=${t}&type=agent_config`)).errcode as number);
    expect(codes.slice(0, 100).every((c) => c === 0)).toBe(true);
    expect(codes[100]).toBe(45009);
    clock += 3600_000;
    const t2 = await token();
    expect(await call(`/cgi-bin/get_jsapi_ticket?access_token=${t2}`)).toMatchObject({
      errcode: 0,
      ticket: expect.any(String),
      expires_in: expect.any(Number),
    });
  });

  it('issues single-use five-minute OAuth codes (40029 on reuse or expiry)', async () => {
    const t = await token();
    const { code } = (await call(`/sandbox/api/corps/${CORP}/oauth-code`, { userid: 'licui' })) as { code: string };
    expect(await call(`/cgi-bin/auth/getuserinfo?access_token=${t}&code=${code}`)).toMatchObject({
      errcode: 0,
      userid: 'licui',
    });
    expect((await call(`/cgi-bin/auth/getuserinfo?access_token=${t}&code=${code}`)).errcode).toBe(40029);
    const { code: late } = (await call(`/sandbox/api/corps/${CORP}/oauth-code`, { userid: 'licui' })) as {
      code: string;
    };
    clock += 301_000;
    const t2 = await token();
    expect((await call(`/cgi-bin/auth/getuserinfo?access_token=${t2}&code=${late}`)).errcode).toBe(40029);
  });

  it('does not rate-limit sign-in with a valid code; invalid codes still count toward 45009', async () => {
    const t = await token();
    // This minute's getuserinfo calls are already at the per-minute limit.
    sb.state.corps.get(CORP)!.calls.set('auth/getuserinfo', { minute: Math.floor(clock / 60_000), count: 10_000 });
    const { code } = (await call(`/sandbox/api/corps/${CORP}/oauth-code`, { userid: 'licui' })) as { code: string };
    expect(await call(`/cgi-bin/auth/getuserinfo?access_token=${t}&code=${code}`)).toMatchObject({
      errcode: 0,
      userid: 'licui',
    });
    expect((await call(`/cgi-bin/auth/getuserinfo?access_token=${t}&code=${code}`)).errcode).toBe(45009);
    sb.state.corps.get(CORP)!.calls.delete('auth/getuserinfo');
  });

  it('redirects the authorize page back with a code for the chosen member', async () => {
    const res = await fetch(
      `${sb.url}/connect/oauth2/authorize?appid=${CORP}&redirect_uri=${encodeURIComponent('http://127.0.0.1:1/cb?x=1')}&response_type=code&scope=snsapi_base&state=abc&sandbox_userid=licui#wechat_redirect`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(302);
    const loc = new URL(res.headers.get('location')!);
    expect(loc.searchParams.get('state')).toBe('abc');
    expect(loc.searchParams.get('x')).toBe('1');
    const t = await token();
    expect(
      await call(`/cgi-bin/auth/getuserinfo?access_token=${t}&code=${loc.searchParams.get('code')}`),
    ).toMatchObject({ userid: 'licui' });
  });
});

describe('sandbox WeCom: OAuth trusted domains', () => {
  it('refuses to redirect outside the trusted domains (50001) and a state outside [a-zA-Z0-9]', async () => {
    await call('/sandbox/api/corps', {
      corpid: 'wwtrusted01',
      name: '可信域名',
      agentid: 1000003,
      secret: 's3',
      trustedDomains: ['guide.example.com'],
    });
    await call('/sandbox/api/corps/wwtrusted01/members', { members: [{ userid: 'licui', name: '李翠' }] });
    const authorize = (redirect: string, state = 'abc') =>
      fetch(
        `${sb.url}/connect/oauth2/authorize?appid=wwtrusted01&redirect_uri=${encodeURIComponent(redirect)}&response_type=code&scope=snsapi_base&state=${state}&sandbox_userid=licui`,
        { redirect: 'manual' },
      );
    const bad = await authorize('https://evil.example.net/cb');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/50001/);
    expect((await authorize('https://guide.example.com/api/auth/wecom/callback', 'a-b')).status).toBe(400);
    const good = await authorize('https://guide.example.com/api/auth/wecom/callback');
    expect(good.status).toBe(302);
    expect(new URL(good.headers.get('location')!).hostname).toBe('guide.example.com');
  });
});

describe('sandbox WeCom: client-side actions fire encrypted callbacks', () => {
  const parser = new XMLParser({ parseTagValue: false });

  it('a customer scanning a channel QR adds a follow relation and posts add_external_contact, signed and encrypted', async () => {
    const before = received.length;
    const r = (await call(`/sandbox/api/corps/${CORP}/actions/scan-contact-way`, {
      state: 'st_S0001',
      customer: { name: '陈女士', gender: 2 },
    })) as { external_userid: string; userid: string };
    expect(r.userid).toBe('licui');
    await expect.poll(() => received.length, { timeout: 2000, interval: 10 }).toBe(before + 1);
    const { query, body } = received.at(-1)!;
    const env = parser.parse(body).xml as { ToUserName: string; AgentID: string; Encrypt: string };
    expect(env.ToUserName).toBe(CORP);
    expect(env.AgentID).toBe('1000002');
    expect(query.get('msg_signature')).toBe(
      getSignature(TOKEN, query.get('timestamp')!, query.get('nonce')!, env.Encrypt),
    );
    const plain = decrypt(AES, env.Encrypt);
    expect(plain.id).toBe(CORP);
    const ev = parser.parse(plain.message).xml as Record<string, string>;
    expect(ev).toMatchObject({
      MsgType: 'event',
      Event: 'change_external_contact',
      ChangeType: 'add_external_contact',
      UserID: 'licui',
      ExternalUserID: r.external_userid,
      State: 'st_S0001',
    });
    expect(ev.WelcomeCode).toBeTruthy();
    const t = await token();
    expect(
      await call(`/cgi-bin/externalcontact/get?access_token=${t}&external_userid=${r.external_userid}`),
    ).toMatchObject({ follow_user: [{ userid: 'licui', add_way: 1, state: 'st_S0001' }] });
  });

  it('a contact way with skip_verify false waits for the guide to accept; accepting adds the relation and posts add_external_contact once', async () => {
    await call(`/sandbox/api/corps/${CORP}/contact-ways`, {
      state: 'st_verify',
      userids: ['zhangmin'],
      skip_verify: false,
    });
    const t = await token();
    const log = async () =>
      ((await fetch(`${sb.url}/sandbox/api/corps/${CORP}/callbacks`).then((x) => x.json())) as unknown[]).length;
    const logBefore = await log();
    const r = (await call(`/sandbox/api/corps/${CORP}/actions/scan-contact-way`, {
      state: 'st_verify',
      customer: { name: '黄女士', gender: 2 },
    })) as { external_userid: string; userid: string; pending: boolean };
    expect(r).toMatchObject({ userid: 'zhangmin', pending: true });
    expect(await log()).toBe(logBefore);
    expect(
      (await call(`/cgi-bin/externalcontact/get?access_token=${t}&external_userid=${r.external_userid}`)).errcode,
    ).toBe(84061);
    const before = received.length;
    expect(
      await call(`/sandbox/api/corps/${CORP}/actions/accept-contact`, {
        userid: 'zhangmin',
        external_userid: r.external_userid,
      }),
    ).toMatchObject({ external_userid: r.external_userid });
    await expect.poll(() => received.length, { timeout: 2000, interval: 10 }).toBe(before + 1);
    const ev = parser.parse(
      decrypt(AES, (parser.parse(received.at(-1)!.body).xml as { Encrypt: string }).Encrypt).message,
    ).xml as Record<string, string>;
    expect(ev).toMatchObject({
      ChangeType: 'add_external_contact',
      UserID: 'zhangmin',
      ExternalUserID: r.external_userid,
      State: 'st_verify',
    });
    expect(
      await call(`/cgi-bin/externalcontact/get?access_token=${t}&external_userid=${r.external_userid}`),
    ).toMatchObject({
      external_contact: { name: '黄女士' },
      follow_user: [{ userid: 'zhangmin', add_way: 1, state: 'st_verify' }],
    });
    const again = await fetch(`${sb.url}/sandbox/api/corps/${CORP}/actions/accept-contact`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userid: 'zhangmin', external_userid: r.external_userid }),
    });
    expect(again.status).toBe(404);
    expect(await log()).toBe(logBefore + 1);
  });

  it('retries a failing receiver: 3 attempts in all, the same payload each time', async () => {
    const before = received.length;
    failNext = 2;
    await call(`/sandbox/api/corps/${CORP}/actions/edit-tags`, {
      userid: 'licui',
      external_userid: 'wmc1',
      add: ['etVIP'],
    });
    await expect.poll(() => received.length, { timeout: 2000, interval: 10 }).toBe(before + 3);
    const bodies = received.slice(before).map((r) => r.body);
    expect(new Set(bodies).size).toBe(1);
    const log = (await (await fetch(`${sb.url}/sandbox/api/corps/${CORP}/callbacks`)).json()) as {
      change_type: string;
      status: string;
      attempts: number;
    }[];
    expect(log.at(-1)).toMatchObject({ change_type: 'edit_external_contact', status: 'delivered', attempts: 3 });
  });

  const lastEvent = async (before: number) => {
    await expect.poll(() => received.length, { timeout: 2000, interval: 10 }).toBe(before + 1);
    return parser.parse(decrypt(AES, (parser.parse(received.at(-1)!.body).xml as { Encrypt: string }).Encrypt).message)
      .xml as Record<string, string>;
  };

  it('an admin editing the tag library in the console posts change_external_tag', async () => {
    const before = received.length;
    const { tag_id } = (await call(`/sandbox/api/corps/${CORP}/actions/admin-edit-tag`, {
      change: 'create',
      group_name: '客户价值',
      name: '重点培养',
    })) as { tag_id: string };
    expect(await lastEvent(before)).toMatchObject({
      Event: 'change_external_tag',
      Id: tag_id,
      TagType: 'tag',
      ChangeType: 'create',
    });
  });

  it('a refused customer transfer posts transfer_fail; a done one removes the old guide with DELETE_BY_TRANSFER', async () => {
    let before = received.length;
    await call(`/sandbox/api/corps/${CORP}/actions/transfer-customer`, {
      handover_userid: 'licui',
      takeover_userid: 'zhangmin',
      external_userid: 'wmc5',
      outcome: 'customer_limit_exceed',
    });
    expect(await lastEvent(before)).toMatchObject({
      ChangeType: 'transfer_fail',
      FailReason: 'customer_limit_exceed',
      UserID: 'zhangmin',
      ExternalUserID: 'wmc5',
    });
    before = received.length;
    await call(`/sandbox/api/corps/${CORP}/actions/transfer-customer`, {
      handover_userid: 'licui',
      takeover_userid: 'zhangmin',
      external_userid: 'wmc5',
    });
    expect(await lastEvent(before)).toMatchObject({
      ChangeType: 'del_external_contact',
      Source: 'DELETE_BY_TRANSFER',
      UserID: 'licui',
      ExternalUserID: 'wmc5',
    });
    const t = await token();
    expect(await call(`/cgi-bin/externalcontact/get?access_token=${t}&external_userid=wmc5`)).toMatchObject({
      follow_user: [{ userid: 'zhangmin', add_way: 202 }],
    });
  });

  it('rejects bad control input with a 400 naming the field', async () => {
    const res = await fetch(`${sb.url}/sandbox/api/corps/${CORP}/actions/transfer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payee_userid: 'licui', amount_fen: -5 }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^amount_fen: /);
  });
});
