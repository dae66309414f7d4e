/**
 * The whole path with real processes: HMAC-signed POS webhook → ingest → BullMQ → two separate
 * worker processes (workers/main.ts) → credits → trail API. Overlapping jobs race across the two
 * processes; no order may end up credited twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { signSession } from '../../core/auth/session';
import { recordInteractions } from '../../core/ingest/interactions';
import { signPosBody } from '../../core/ingest/signature';
import { attributeJob } from '../../core/jobs/attribution.jobs';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import {
  createCorp,
  createCustomer,
  createGuide,
  createRegion,
  createStore,
  follow,
  type CorpFixture,
} from '../factories/org.factory';

const TSX = 'node_modules/.bin/tsx';
const DAY = 86_400_000;
const T = Date.parse('2026-11-20T10:00:00+08:00');
const CUSTOMERS = 50;
const ORDERS = 1_000;

let ctx: TestContext;
let corp: CorpFixture;
let g1: { id: number; userid: string };
let g2: { id: number; userid: string };
const children: ChildProcess[] = [];

function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(TSX, ['workers/main.ts'], {
    // WeCom schedules point nowhere: this test is about the attribution queue.
    env: {
      ...process.env,
      DATABASE_URL: ctx.cfg.DATABASE_URL,
      QUEUE_PREFIX: ctx.queues.prefix,
      LOG_LEVEL: 'info',
      WECOM_API_BASE: 'http://127.0.0.1:9',
      WECOM_OAUTH_BASE: 'http://127.0.0.1:9',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('workers started')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`workers exited early (${code}): ${out}`)));
  });
}

/** Enqueue-and-drain for the attribution queue (the WeCom schedules keep their own delayed jobs). */
async function attributionDrained(timeoutMs = 60_000): Promise<void> {
  const q = ctx.queues.queue('attribution');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
    if (Object.values(c).every((n) => n === 0)) return;
    if (Date.now() > deadline) throw new Error(`attribution queue not drained: ${JSON.stringify(c)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const memberNo = (k: number) => `M${String(k).padStart(4, '0')}`;
const order = (i: number) => ({
  orderNo: `P${i}`,
  storeCode: 'NJXL',
  paidAt: new Date(T + i * 60_000).toISOString(),
  grossFen: 10_000 + i,
  discountFen: 0,
  netFen: 10_000 + i,
  memberNo: memberNo(i % CUSTOMERS),
  lines: [{ skuCode: 'YX-1-37', qty: 1, netFen: 10_000 + i }],
});
function post(body: unknown) {
  const raw = JSON.stringify(body);
  return request(createApp(ctx))
    .post(`/webhooks/pos/${corp.wecomCorpId}`)
    .set('content-type', 'application/json')
    .set('X-Guidepost-Signature', signPosBody(corp.posHmacSecret, raw))
    .send(raw);
}
const bearer = (userid: string) => `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid }, 600)}`;
const liveSales = () =>
  ctx
    .db('credits as c')
    .join('orders as o', 'o.id', 'c.order_id')
    .where({ 'c.corp_id': corp.id, 'c.kind': 'sale' })
    .whereNull('c.superseded_at')
    .select<{ order_no: string; guide_id: number; amount_fen: number; net_fen: number }[]>(
      'o.order_no',
      'c.guide_id',
      'c.amount_fen',
      'o.net_fen',
    );

beforeAll(async () => {
  ctx = await createTestContext();
  corp = await createCorp(ctx.db, ctx.secrets);
  const region = await createRegion(ctx.db, corp.id);
  const store = await createStore(ctx.db, corp.id, region, { code: 'NJXL' });
  const otherStore = await createStore(ctx.db, corp.id, await createRegion(ctx.db, corp.id, { name: '华南区' }), {
    code: 'GZTH',
  });
  g1 = await createGuide(ctx.db, corp.id, store, { userid: 'licui', name: '李翠' });
  g2 = await createGuide(ctx.db, corp.id, store, { userid: 'zhangmin', name: '张敏' });
  await ctx.db('users').insert({ corp_id: corp.id, userid: 'caiwu', name: '财务', role: 'finance' });
  const [mgr] = await ctx
    .db('users')
    .insert({ corp_id: corp.id, userid: 'dianzhang-gz', name: '广州店长', role: 'store_manager' })
    .returning('id');
  await ctx.db('user_scopes').insert({ corp_id: corp.id, user_id: mgr.id, store_id: otherStore });
  const [mgr2] = await ctx
    .db('users')
    .insert({ corp_id: corp.id, userid: 'dianzhang-nj', name: '南京西路店长', role: 'store_manager' })
    .returning('id');
  await ctx.db('user_scopes').insert({ corp_id: corp.id, user_id: mgr2.id, store_id: store });
  const [east, south] = await ctx
    .db('users')
    .insert([
      { corp_id: corp.id, userid: 'quyu-hd', name: '华东区域经理', role: 'regional_manager' },
      { corp_id: corp.id, userid: 'quyu-hn', name: '华南区域经理', role: 'regional_manager' },
    ])
    .returning('id');
  await ctx.db('user_scopes').insert([
    { corp_id: corp.id, user_id: east.id, region_id: region },
    {
      corp_id: corp.id,
      user_id: south.id,
      region_id: (await ctx.db('stores').where({ id: otherStore }).first('region_id')).region_id,
    },
  ]);
  const interactions = [];
  for (let k = 0; k < CUSTOMERS; k++) {
    const c = await createCustomer(ctx.db, corp.id, { name: `客户${k}`, memberNo: memberNo(k) });
    await ctx
      .db('customer_identities')
      .insert({ corp_id: corp.id, kind: 'member_no', value: memberNo(k), customer_id: c.id });
    await follow(ctx.db, corp.id, c.id, g1.id, { exclusive: true });
    await follow(ctx.db, corp.id, c.id, g2.id);
    // Even customers: 李翠 chatted last; odd: 张敏.
    const [last, earlier] = k % 2 === 0 ? [g1, g2] : [g2, g1];
    interactions.push(
      {
        corpId: corp.id,
        guideId: earlier.id,
        customerId: c.id,
        occurredAt: new Date(T - 3 * DAY),
        kind: 'script_send' as const,
        source: 'sidebar',
        evidenceId: `a${k}`,
      },
      {
        corpId: corp.id,
        guideId: last.id,
        customerId: c.id,
        occurredAt: new Date(T - DAY),
        kind: 'product_share' as const,
        source: 'sidebar',
        evidenceId: `b${k}`,
      },
    );
  }
  await recordInteractions(ctx.db, interactions);
  await Promise.all([startWorkerProcess(), startWorkerProcess()]);
}, 60_000);

afterAll(async () => {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        }),
    ),
  );
  await destroyTestContext(ctx);
});

describe('webhook → queues → two worker processes → credits → trail', () => {
  it('takes a batch of 1,000 orders and credits every one exactly once', async () => {
    const res = await post({ batchId: 'big-1', orders: Array.from({ length: ORDERS }, (_, i) => order(i)) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ replayed: false, orders: { accepted: ORDERS, duplicates: 0 }, rejected: [] });
    // A batch over the limit is refused whole.
    const tooBig = await post({ batchId: 'big-x', orders: Array.from({ length: ORDERS + 1 }, (_, i) => order(i)) });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.field).toBe('body.orders');
    await attributionDrained();
    const sales = await liveSales();
    expect(sales).toHaveLength(ORDERS);
    for (const s of sales) {
      const i = Number(s.order_no.slice(1));
      expect(s.guide_id).toBe((i % CUSTOMERS) % 2 === 0 ? g1.id : g2.id);
      expect(s.amount_fen).toBe(s.net_fen);
    }
  }, 120_000);

  it('overlapping jobs racing across both processes, replays and late facts never double-credit', async () => {
    const customerIds = await ctx.db('customers').where({ corp_id: corp.id }).orderBy('id').pluck<number[]>('id');
    const events = Number(
      (await ctx.db('credit_events').where({ corp_id: corp.id }).count<{ n: number }[]>('* as n'))[0]!.n,
    );
    // The same batch again, the same orders under new batch ids, and many overlapping re-attribution jobs at once.
    const [replay, dupes] = await Promise.all([
      post({ batchId: 'big-1', orders: Array.from({ length: ORDERS }, (_, i) => order(i)) }),
      post({ batchId: 'big-2', orders: Array.from({ length: 200 }, (_, i) => order(i)) }),
      ...Array.from({ length: 12 }, (_, k) =>
        ctx.queues.enqueue(attributeJob, {
          corpId: corp.id,
          customerIds: customerIds.filter((_, c) => (c + k) % 3 !== 0),
          reason: `race ${k}`,
        }),
      ),
    ]);
    expect(replay!.body).toMatchObject({ replayed: true });
    expect(dupes!.body.orders).toEqual({ accepted: 0, duplicates: 200 });
    await attributionDrained();
    expect(
      Number((await ctx.db('credit_events').where({ corp_id: corp.id }).count<{ n: number }[]>('* as n'))[0]!.n),
    ).toBe(events);

    // A late archived message moves customer 0's orders to 张敏, from two processes at once.
    const c0 = await ctx
      .db('customers')
      .where({ corp_id: corp.id, member_no: memberNo(0) })
      .first<{ id: number }>('id');
    await recordInteractions(ctx.db, [
      {
        corpId: corp.id,
        guideId: g2.id,
        customerId: c0!.id,
        occurredAt: new Date(T - 3_600_000),
        kind: 'archive_message',
        source: 'archive',
        evidenceId: 'late-0',
      },
    ]);
    await Promise.all(
      Array.from({ length: 6 }, () =>
        ctx.queues.enqueue(attributeJob, { corpId: corp.id, customerIds: [c0!.id], reason: 'late archived message' }),
      ),
    );
    await attributionDrained();

    const perOrder = await ctx
      .db('credits')
      .where({ corp_id: corp.id, kind: 'sale' })
      .whereNull('superseded_at')
      .groupBy('order_id')
      .select('order_id')
      .count<{ order_id: number; n: number }[]>('* as n');
    expect(perOrder).toHaveLength(ORDERS);
    expect(perOrder.every((r) => r.n === 1)).toBe(true);
    const over = await ctx.db.raw<{ rows: unknown[] }>(
      `select o.id from orders o join credits c on c.order_id = o.id and c.superseded_at is null where o.corp_id = ? group by o.id, o.net_fen having sum(c.amount_fen) > o.net_fen`,
      [corp.id],
    );
    expect(over.rows).toEqual([]);
    const moved = (await liveSales()).filter((s) => Number(s.order_no.slice(1)) % CUSTOMERS === 0);
    expect(moved.length).toBe(ORDERS / CUSTOMERS);
    expect(moved.every((s) => s.guide_id === g2.id)).toBe(true);
    expect((await ctx.queues.queue('attribution').getJobCounts('failed')).failed).toBe(0);
  }, 120_000);

  it('answers "why was this credited to 李翠?" with the rule, the version, the evidence ids and each loser with why; scoped by role', async () => {
    const o = await ctx
      .db('orders')
      .where({ corp_id: corp.id, order_no: 'P2' })
      .first<{ id: number; customer_id: number }>('id', 'customer_id');
    const ids = await ctx
      .db('interactions')
      .where({ customer_id: o!.customer_id })
      .orderBy('occurred_at')
      .select<{ id: number; guide_id: number }[]>('id', 'guide_id');
    const app = createApp(ctx);
    const res = await request(app).get(`/api/attribution/orders/${o!.id}/trail`).set('Authorization', bearer('licui'));
    expect(res.status).toBe(200);
    expect(res.body.live).toHaveLength(1);
    expect(res.body.live[0]).toMatchObject({
      kind: 'sale',
      guideName: '李翠',
      rule: 'interaction',
      ruleSetVersion: 1,
      amountFen: 10_002,
      evidence: {
        rule: 'interaction',
        kind: 'product_share',
        windowDays: 7,
        tieBreak: 'none',
        interactionIds: ids.filter((i) => i.guide_id === g1.id).map((i) => i.id),
      },
      candidates: [
        {
          guideId: g2.id,
          guideName: '张敏',
          rule: 'interaction',
          lostBecause: `last interaction ${new Date(T - 3 * DAY).toISOString()} is older than ${new Date(T - DAY).toISOString()}`,
        },
      ],
    });
    expect(res.body.live[0].events).toMatchObject([
      { event: 'created', reason: expect.stringContaining('last product_share at') },
    ]);
    expect(
      (await request(app).get(`/api/attribution/orders/${o!.id}/trail`).set('Authorization', bearer('zhangmin')))
        .status,
    ).toBe(403);
    expect(
      (await request(app).get(`/api/attribution/orders/${o!.id}/trail`).set('Authorization', bearer('dianzhang-gz')))
        .status,
    ).toBe(403);
    expect(
      (await request(app).get(`/api/attribution/orders/${o!.id}/trail`).set('Authorization', bearer('dianzhang-nj')))
        .status,
    ).toBe(200);
    expect(
      (await request(app).get(`/api/attribution/orders/${o!.id}/trail`).set('Authorization', bearer('quyu-hd'))).status,
    ).toBe(200);
    expect(
      (await request(app).get(`/api/attribution/orders/${o!.id}/trail`).set('Authorization', bearer('quyu-hn'))).status,
    ).toBe(403);
    expect(
      (await request(app).get(`/api/attribution/orders/${o!.id}/trail`).set('Authorization', bearer('caiwu'))).status,
    ).toBe(200);
  });
});
