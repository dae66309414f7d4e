import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WecomClient, type MsgAttachment } from '../../core/wecom/client';
import { WecomError } from '../../core/wecom/wecom-error';
import { startSandbox, type Sandbox } from '../../sandbox/wecom/server';
import { sandboxCorp } from '../helpers/sandbox-corp';

const CORP = 'wwmasstest01';
const SECRET = 'mass-secret';
const APP = { wecomCorpId: CORP, agentId: 1000002, agentSecret: SECRET };
// 2026-11-24 10:00 CST, a Tuesday in a 30-day month.
let clock = Date.parse('2026-11-24T02:00:00Z');
let sb: Sandbox;
let redis: Redis;
let wecom: WecomClient;
const KEY_PREFIX = `gpt-${randomBytes(5).toString('hex')}`;

async function control(path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(
    `${sb.url}/sandbox/api/corps/${CORP}${path}`,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const confirm = (msgid: string, userid: string) => control('/actions/confirm-mass-message', { msgid, userid });
const send = (customers: string[], sender = 'licui') =>
  wecom.addMsgTemplate({ sender, external_userid: customers, text: { content: '新款到店' } });
async function statuses(msgid: string, userid: string): Promise<Record<string, number>> {
  const r = await wecom.getGroupMsgSendResult(msgid, userid);
  return Object.fromEntries(r.send_list.map((x) => [x.external_userid!, x.status]));
}

beforeAll(async () => {
  sb = await startSandbox({ now: () => clock });
  redis = new Redis('redis://127.0.0.1:6379');
  await sandboxCorp(sb.url, APP, { name: '群发测试' });
  await control('/members', {
    members: [
      { userid: 'licui', name: '李翠' },
      { userid: 'zhangmin', name: '张敏' },
    ],
  });
  await control('/tags', {
    groups: [{ group_id: 'etG1', group_name: '客户价值', tag: [{ id: 'etVIP', name: '超级VIP' }] }],
  });
  await control('/contacts', {
    contacts: Array.from({ length: 6 }, (_, i) => ({
      external_userid: `wm${i}`,
      name: `客户${i}`,
      follow_user: [
        { userid: i < 4 ? 'licui' : 'zhangmin', createtime: 1_700_000_000 + i, tag_ids: i === 0 ? ['etVIP'] : [] },
      ],
    })),
  });
  wecom = new WecomClient({
    baseUrl: sb.url,
    corpid: CORP,
    secret: SECRET,
    app: 'agent',
    redis,
    keyPrefix: KEY_PREFIX,
    backoffMs: [1, 1, 1],
  });
});
afterAll(async () => {
  await sb.close();
  redis.disconnect();
});

describe('sandbox customer mass messages (protocol §13)', () => {
  it('creates a task for the sender, sends nothing until she confirms, then reports per customer', async () => {
    const r = await send(['wm1', 'wm2', 'wm4', 'wmNobody']);
    // wm4 is zhangmin's customer and wmNobody does not exist: neither can be sent by licui.
    expect(r.fail_list.sort()).toEqual(['wm4', 'wmNobody']);
    expect((await wecom.getGroupMsgTask(r.msgid)).task_list).toEqual([{ userid: 'licui', status: 0 }]);
    expect(await statuses(r.msgid, 'licui')).toEqual({ wm1: 0, wm2: 0 });
    const pending = await control('/members/licui/pending-mass-messages');
    expect(pending.body.groupMsgs).toEqual([
      expect.objectContaining({ msgid: r.msgid, customers: 2, text: '新款到店' }),
    ]);

    // wm2 deletes licui before she confirms: status 2 (not a friend).
    await control('/actions/customer-deletes-guide', { external_userid: 'wm2', userid: 'licui' });
    expect((await confirm(r.msgid, 'licui')).body).toEqual({ sent: 1, not_friend: 1, limit: 0 });
    const task = (await wecom.getGroupMsgTask(r.msgid)).task_list[0]!;
    expect(task).toMatchObject({ userid: 'licui', status: 2, send_time: Math.floor(clock / 1000) });
    const res = await wecom.getGroupMsgSendResult(r.msgid, 'licui');
    expect(res.send_list.find((x) => x.external_userid === 'wm1')).toMatchObject({
      status: 1,
      send_time: Math.floor(clock / 1000),
    });
    expect(res.send_list.find((x) => x.external_userid === 'wm2')).toEqual({
      external_userid: 'wm2',
      userid: 'licui',
      status: 2,
    });
    expect((await control('/members/licui/pending-mass-messages')).body.groupMsgs).toEqual([]);
    expect((await confirm(r.msgid, 'licui')).status).toBe(409);
  });

  it('enforces the receive limit: 1 a day, 7 a week, and by default as many a month as the month has days', async () => {
    // 1 a day: the second message the same CST day is status 3; the next day it goes through.
    expect((await control('/mass-message-rule', { receiveLimit: 'day' })).status).toBe(200);
    const a = await send(['wm3']);
    await confirm(a.msgid, 'licui');
    const b = await send(['wm3']);
    expect((await confirm(b.msgid, 'licui')).body).toEqual({ sent: 0, not_friend: 0, limit: 1 });
    expect(await statuses(b.msgid, 'licui')).toEqual({ wm3: 3 });
    clock += 86_400_000;
    const c = await send(['wm3']);
    await confirm(c.msgid, 'licui');
    expect(await statuses(c.msgid, 'licui')).toEqual({ wm3: 1 });

    // 7 a week (Monday to Sunday, CST): wm0 gets 7 and the 8th is refused; on Monday it counts afresh.
    await control('/mass-message-rule', { receiveLimit: 'week' });
    const week: number[] = [];
    for (let i = 0; i < 8; i++) {
      const m = await send(['wm0']);
      await confirm(m.msgid, 'licui');
      week.push((await statuses(m.msgid, 'licui')).wm0!);
    }
    expect(week).toEqual([1, 1, 1, 1, 1, 1, 1, 3]);
    clock = Date.parse('2026-11-30T02:00:00Z'); // Monday
    const monday = await send(['wm0']);
    await confirm(monday.msgid, 'licui');
    expect(await statuses(monday.msgid, 'licui')).toEqual({ wm0: 1 });

    // Default: 30 in November. wm5 (zhangmin's) gets 30, the 31st is refused; December allows 31.
    await control('/mass-message-rule', { receiveLimit: 'month' });
    const month: number[] = [];
    for (let i = 0; i < 31; i++) {
      const m = await send(['wm5'], 'zhangmin');
      await confirm(m.msgid, 'zhangmin');
      month.push((await statuses(m.msgid, 'zhangmin')).wm5!);
    }
    expect(month.filter((s) => s === 1)).toHaveLength(30);
    expect(month[30]).toBe(3);
    clock = Date.parse('2026-12-01T02:00:00Z');
    const dec = await send(['wm5'], 'zhangmin');
    await confirm(dec.msgid, 'zhangmin');
    expect(await statuses(dec.msgid, 'zhangmin')).toEqual({ wm5: 1 });
  });

  it('allows 3 reminders in 24 hours and refuses the 4th; cancel keeps pending sends unsent', async () => {
    const m = await send(['wm1']);
    for (let i = 0; i < 3; i++) await wecom.remindGroupMsg(m.msgid);
    await expect(wecom.remindGroupMsg(m.msgid)).rejects.toSatisfy(
      (e) => e instanceof WecomError && e.errcode === 45009,
    );
    clock += 86_400_000 + 1000;
    // The client pauses the API for WeCom's window after a 45009 (core/wecom/client.ts); a day later it is over.
    await redis.del(`${KEY_PREFIX}:wecom:blocked:${CORP}:/cgi-bin/externalcontact/remind_groupmsg_send`);
    await wecom.remindGroupMsg(m.msgid);

    await wecom.cancelGroupMsg(m.msgid);
    expect((await confirm(m.msgid, 'licui')).status).toBe(409);
    expect((await wecom.getGroupMsgTask(m.msgid)).task_list).toEqual([{ userid: 'licui', status: 0 }]);
    expect(await statuses(m.msgid, 'licui')).toEqual({ wm1: 0 });
  });

  it('validates the body as WeCom does', async () => {
    await expect(wecom.addMsgTemplate({ sender: 'licui', external_userid: ['wm1'] })).rejects.toSatisfy(
      (e) => e instanceof WecomError && e.errcode === 40058,
    );
    await expect(
      wecom.addMsgTemplate({ sender: 'licui', external_userid: ['wm1'], text: { content: '字'.repeat(1400) } }),
    ).rejects.toSatisfy((e) => e instanceof WecomError && e.errcode === 40058);
    await expect(send(['wm4'])).rejects.toSatisfy((e) => e instanceof WecomError && e.errcode === 40096);
  });

  it('checks attachments as WeCom does: valid media (40007), a linked mini program (90206), pic_url from 上传图片', async () => {
    const errcode = (p: Promise<unknown>) =>
      p.then(
        () => 0,
        (e: unknown) => (e instanceof WecomError ? e.errcode : -999),
      );
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const { media_id: image } = await wecom.uploadMedia('image', 'cover.png', 'image/png', png);
    const { media_id: file } = await wecom.uploadMedia('file', 'menu.pdf', 'application/pdf', png);
    const attach = (attachments: MsgAttachment[]) =>
      errcode(wecom.addMsgTemplate({ sender: 'licui', external_userid: ['wm1'], attachments }));
    const card = (appid: string, pic: string): MsgAttachment => ({
      msgtype: 'miniprogram',
      miniprogram: { appid, pic_media_id: pic, title: '会员中心', page: 'pages/member/index' },
    });
    expect(await attach([{ msgtype: 'image', image: { media_id: image } }])).toBe(0);
    expect(await attach([{ msgtype: 'image', image: { media_id: 'nope' } }])).toBe(40007);
    // A file's media_id is not an image.
    expect(await attach([{ msgtype: 'image', image: { media_id: file } }])).toBe(40007);
    expect(await attach([{ msgtype: 'image', image: {} }])).toBe(40058);
    expect(await attach([{ msgtype: 'image', image: { pic_url: 'https://example.com/a.png' } }])).toBe(40058);
    // Not linked to the corp, then linked.
    expect(await attach([card('wxaaaabbbbccccdddd', image)])).toBe(90206);
    await sandboxCorp(sb.url, APP, { name: '群发测试', extra: { miniprograms: ['wxaaaabbbbccccdddd'] } });
    expect(await attach([card('wxaaaabbbbccccdddd', image)])).toBe(0);
    expect(await attach([card('wxaaaabbbbccccdddd', 'expired-or-unknown')])).toBe(40007);
    expect(await attach([{ msgtype: 'link', link: { title: '标'.repeat(43), url: 'https://example.com/' } }])).toBe(
      40058,
    );
    expect(
      await attach(Array.from({ length: 10 }, () => ({ msgtype: 'image' as const, image: { media_id: image } }))),
    ).toBe(40058);
    // Temporary media lasts 3 days.
    clock += 3 * 86_400_000 + 1000;
    expect(await attach([{ msgtype: 'image', image: { media_id: image } }])).toBe(40007);
    // Moments: one link, or up to 9 images, never a mini-program; text of at most 2000 characters.
    const moment = (b: Parameters<WecomClient['addMomentTask']>[0]) => errcode(wecom.addMomentTask(b));
    expect(await moment({ text: { content: '字'.repeat(2001) } })).toBe(40058);
    expect(await moment({ text: { content: '字'.repeat(2000) } })).toBe(0);
    expect(await moment({ attachments: [card('wxaaaabbbbccccdddd', image)] })).toBe(40058);
    expect(
      await moment({
        attachments: [
          { msgtype: 'link', link: { title: 'a', url: 'https://x' } },
          { msgtype: 'link', link: { title: 'b', url: 'https://y' } },
        ],
      }),
    ).toBe(40058);
  });
});

describe('sandbox corp moments (protocol §14)', () => {
  it('creates a job, publishes per member on confirmation, and reports the customers reached', async () => {
    const { jobid } = await wecom.addMomentTask({
      text: { content: '秋冬新款' },
      visible_range: { sender_list: { user_list: ['licui', 'ghost'] }, external_contact_list: { tag_list: ['etVIP'] } },
    });
    const job = await wecom.getMomentTaskResult(jobid);
    expect(job.status).toBe(3);
    expect(job.result?.invalid_sender_list?.user_list).toEqual(['ghost']);
    const momentId = job.result!.moment_id!;
    expect((await wecom.getMomentTask(momentId)).task_list).toEqual([{ userid: 'licui', publish_status: 0 }]);
    expect((await wecom.getMomentSendResult(momentId, 'licui')).customer_list).toEqual([]);
    expect((await control('/actions/publish-moment', { moment_id: momentId, userid: 'licui' })).body).toEqual({
      sent: 1,
    });
    expect((await wecom.getMomentTask(momentId)).task_list).toEqual([{ userid: 'licui', publish_status: 1 }]);
    expect((await wecom.getMomentSendResult(momentId, 'licui')).customer_list).toEqual([{ external_userid: 'wm0' }]);
    await expect(
      wecom.addMomentTask({
        attachments: [
          { msgtype: 'link', link: { title: 'a', url: 'https://x' } },
          { msgtype: 'image', image: { media_id: 'm' } },
        ],
      }),
    ).rejects.toSatisfy((e) => e instanceof WecomError && e.errcode === 40058);
  });
});
