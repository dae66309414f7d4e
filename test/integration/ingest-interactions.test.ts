/**
 * Interactions recorded by other systems (message-archive summaries, calls, store visits): the
 * signed webhook and the file upload, idempotent replays, and re-attribution through the workers.
 */
import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { signSession } from '../../core/auth/session';
import { signPosBody } from '../../core/ingest/signature';
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

let ctx: TestContext;
let workers: RunningWorkers;
let corp: CorpFixture;
let app: ReturnType<typeof createApp>;
let guide: { id: number; userid: string };
let other: { id: number; userid: string };
let wang: { id: number; externalUserid: string };
let zhao: { id: number; externalUserid: string };
const HOUR = 3_600_000;
const paidAt = new Date(Date.now() - 2 * 24 * HOUR);
const at = (hoursBeforePaid: number) => new Date(paidAt.getTime() - hoursBeforePaid * HOUR).toISOString();
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function hook(body: unknown) {
  const raw = JSON.stringify(body);
  return request(app)
    .post(`/webhooks/interactions/${corp.wecomCorpId}`)
    .set('content-type', 'application/json')
    .set('X-Guidepost-Signature', signPosBody(corp.posHmacSecret, raw))
    .send(raw);
}
const admin = () => `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'admin1' }, 600)}`;
const creditOf = async (orderNo: string) =>
  ctx
    .db('credits as c')
    .join('orders as o', 'o.id', 'c.order_id')
    .where({ 'o.corp_id': corp.id, 'o.order_no': orderNo })
    .whereNull('c.superseded_at')
    .select('c.guide_id', 'c.rule');
async function storeOrder(orderNo: string, memberNo: string) {
  const raw = JSON.stringify({
    batchId: `o-${orderNo}`,
    orders: [
      {
        orderNo,
        storeCode: 'IX1',
        paidAt: paidAt.toISOString(),
        grossFen: 10_000,
        netFen: 10_000,
        memberNo,
        lines: [{ skuCode: 'K', qty: 1, netFen: 10_000 }],
      },
    ],
  });
  const res = await request(app)
    .post(`/webhooks/pos/${corp.wecomCorpId}`)
    .set('content-type', 'application/json')
    .set('X-Guidepost-Signature', signPosBody(corp.posHmacSecret, raw))
    .send(raw);
  expect(res.body.orders.accepted).toBe(1);
}

beforeAll(async () => {
  ctx = await createTestContext();
  workers = startWorkers(ctx);
  app = createApp(ctx);
  corp = await createCorp(ctx.db, ctx.secrets);
  const region = await createRegion(ctx.db, corp.id);
  const store = await createStore(ctx.db, corp.id, region, { code: 'IX1' });
  guide = await createGuide(ctx.db, corp.id, store, { userid: 'licui' });
  other = await createGuide(ctx.db, corp.id, store, { userid: 'zhangmin' });
  await ctx.db('users').insert({ corp_id: corp.id, userid: 'admin1', name: '管理员', role: 'admin' });
  wang = await createCustomer(ctx.db, corp.id, { name: '王雅琴', memberNo: 'M100' });
  await ctx
    .db('customer_identities')
    .insert({ corp_id: corp.id, kind: 'member_no', value: 'M100', customer_id: wang.id });
  zhao = await createCustomer(ctx.db, corp.id, { name: '赵敏' });
  const phoneHash = createHash('sha256').update('13900139000').digest('hex');
  await ctx
    .db('customer_identities')
    .insert({ corp_id: corp.id, kind: 'phone_hash', value: phoneHash, customer_id: zhao.id });
  await ctx
    .db('customer_identities')
    .insert({ corp_id: corp.id, kind: 'member_no', value: 'M200', customer_id: zhao.id });
});
afterAll(async () => {
  await workers.close();
  await destroyTestContext(ctx);
});

describe('interaction webhook', () => {
  it('stores calls and archive summaries, resolves customers like orders, and re-attributes them', async () => {
    await storeOrder('IO1', 'M100');
    await ctx.queues.drain();
    expect(await creditOf('IO1')).toEqual([]);
    const res = await hook({
      batchId: 'ix1',
      interactions: [
        {
          externalId: 'call-1',
          kind: 'call',
          occurredAt: at(5),
          guideUserid: 'licui',
          memberNo: 'M100',
          durationSeconds: 180,
        },
        {
          externalId: 'arc-1',
          kind: 'archive_message',
          occurredAt: at(30),
          guideUserid: 'zhangmin',
          externalUserid: wang.externalUserid,
          summary: '询问尺码\n推荐了新款',
        },
        { externalId: 'v-1', kind: 'visit', occurredAt: at(3), guideUserid: 'zhangmin', phone: '+86 139 0013 9000' },
        { externalId: 'x-1', kind: 'call', occurredAt: at(3), guideUserid: 'nobody', memberNo: 'M100' },
        { externalId: 'x-2', kind: 'call', occurredAt: at(3), guideUserid: 'licui', memberNo: 'M999' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ batchId: 'ix1', replayed: false, interactions: { accepted: 3, duplicates: 0 } });
    expect(res.body.rejected).toEqual([
      expect.objectContaining({ row: 3, ref: 'x-1', field: 'guideUserid', code: 'unknown_guide' }),
      expect.objectContaining({ row: 4, ref: 'x-2', field: 'memberNo', code: 'unknown_customer' }),
    ]);
    const rows = await ctx
      .db('interactions')
      .where({ corp_id: corp.id, source: 'import' })
      .orderBy('evidence_id')
      .select('evidence_id', 'kind', 'guide_id', 'customer_id', 'detail');
    expect(rows).toEqual([
      {
        evidence_id: 'archive_message:arc-1',
        kind: 'archive_message',
        guide_id: other.id,
        customer_id: wang.id,
        detail: { summary: '询问尺码\n推荐了新款' },
      },
      {
        evidence_id: 'call:call-1',
        kind: 'call',
        guide_id: guide.id,
        customer_id: wang.id,
        detail: { durationSeconds: 180 },
      },
      { evidence_id: 'visit:v-1', kind: 'visit', guide_id: other.id, customer_id: zhao.id, detail: {} },
    ]);
    await ctx.queues.drain();
    // The call is the most recent counted interaction in the window before the order.
    expect(await creditOf('IO1')).toEqual([{ guide_id: guide.id, rule: 'interaction' }]);
  });

  it('a store visit is recorded but does not count for the window rule by default', async () => {
    await storeOrder('IO2', 'M200');
    await ctx.queues.drain();
    expect(await creditOf('IO2')).toEqual([]);
  });

  it('a replay changes nothing: the same batch returns its first report; the same record in a new batch is a duplicate', async () => {
    const body = {
      batchId: 'ix2',
      interactions: [{ externalId: 'call-9', kind: 'call', occurredAt: at(1), guideUserid: 'licui', memberNo: 'M200' }],
    };
    expect((await hook(body)).body.interactions).toEqual({ accepted: 1, duplicates: 0 });
    const again = await hook(body);
    expect(again.body).toMatchObject({ replayed: true, interactions: { accepted: 1, duplicates: 0 } });
    // Sent again by the other system with a corrected time: still the same record.
    const moved = await hook({
      batchId: 'ix3',
      interactions: [{ ...body.interactions[0], occurredAt: at(2) }],
    });
    expect(moved.body.interactions).toEqual({ accepted: 0, duplicates: 1 });
    expect(
      await ctx.db('interactions').where({ corp_id: corp.id, evidence_id: 'call:call-9' }).count('* as n'),
    ).toEqual([{ n: 1 }]);
    const conflict = await hook({ ...body, interactions: [{ ...body.interactions[0], externalId: 'call-10' }] });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('BATCH_CONFLICT');
  });
});

describe('interaction files', () => {
  const header = '记录号,类型,发生时间,导购账号,会员号,手机号,摘要,时长(秒)';
  const wall = (iso: string) =>
    new Date(new Date(iso).getTime() + 8 * HOUR).toISOString().slice(0, 19).replace('T', ' ');

  it('imports a CSV with Chinese headers and kinds, reporting bad rows by sheet row', async () => {
    const csv = [
      header,
      `F-1,通话,${wall(at(4))},licui,M200,,回访,95`,
      `F-2,到店,${wall(at(6))},zhangmin,,13900139000,试穿,`,
      `F-3,短信,${wall(at(6))},licui,M200,,,`,
      `F-4,通话,${wall(at(6))},licui,M200,,,abc`,
      `F-5,通话,不是时间,licui,M200,,,`,
    ].join('\n');
    const res = await request(app)
      .post('/api/ingest/interactions-file')
      .set('Authorization', admin())
      .set('content-type', 'text/csv')
      .send(csv);
    expect(res.status).toBe(200);
    expect(res.body.interactions).toEqual({ accepted: 2, duplicates: 0 });
    expect(
      res.body.rejected.map((r: { row: number; field: string; code: string }) => [r.row, r.field, r.code]),
    ).toEqual([
      [4, 'kind', 'invalid_value'],
      [5, '时长(秒)', 'invalid_number'],
      [6, 'occurredAt', 'invalid_format'],
    ]);
    const call = await ctx.db('interactions').where({ corp_id: corp.id, evidence_id: 'call:F-1' }).first();
    expect(call).toMatchObject({
      guide_id: guide.id,
      customer_id: zhao.id,
      detail: { summary: '回访', durationSeconds: 95 },
    });
    expect(call.occurred_at.toISOString()).toBe(new Date(Math.floor(Date.parse(at(4)) / 1000) * 1000).toISOString());
  });

  it('imports an XLSX with English headers; guides may not upload', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('records');
    ws.addRow(['external_id', 'kind', 'occurred_at', 'guide_userid', 'external_userid']);
    ws.addRow(['XL-1', 'archive_message', at(8), 'licui', wang.externalUserid]);
    const buf = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await request(app)
      .post('/api/ingest/interactions-file')
      .set('Authorization', admin())
      .set('content-type', XLSX)
      .send(buf);
    expect(res.status).toBe(200);
    expect(res.body.interactions.accepted).toBe(1);
    const asGuide = await request(app)
      .post('/api/ingest/interactions-file')
      .set('Authorization', `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'licui' }, 600)}`)
      .set('content-type', XLSX)
      .send(buf);
    expect(asGuide.status).toBe(403);
  });

  it('takes a file of INGEST_FILE_MAX_ROWS records', async () => {
    const max = ctx.cfg.INGEST_FILE_MAX_ROWS;
    const when = wall(at(10));
    const csv = [header, ...Array.from({ length: max }, (_, i) => `BULK-${i},会话存档,${when},licui,M200,,,`)].join(
      '\n',
    );
    const res = await request(app)
      .post('/api/ingest/interactions-file')
      .set('Authorization', admin())
      .set('content-type', 'text/csv')
      .send(csv);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ interactions: { accepted: max, duplicates: 0 }, rejected: [] });
    expect(
      await ctx
        .db('interactions')
        .where({ corp_id: corp.id, source: 'import' })
        .where('evidence_id', 'like', 'archive_message:BULK-%')
        .count('* as n'),
    ).toEqual([{ n: max }]);
  }, 120_000);
});
