/**
 * The boards' answer cache (core/boards/cache.ts) on real PostgreSQL: an answer is kept until a
 * commit touches its tenant's board sources, never past it — read after commit without waiting,
 * uncommitted and rolled-back writes change nothing, a commit that lands while an answer is
 * computed voids that answer, another tenant's writes leave it, a lost listener means fresh
 * answers until it is back — and over HTTP a kept board is the same bytes with an ETag.
 */
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp } from '../../api/app';
import { attributeOrders } from '../../core/attribution/attribution.service';
import { signSession } from '../../core/auth/session';
import { BOARD_SOURCES } from '../../core/boards/cache';
import { recordInteractions } from '../../core/ingest/interactions';
import { useTestContext } from '../helpers/context';
import { createCorp, createCustomer, createGuide, createRegion, createStore } from '../factories/org.factory';

const t = useTestContext();
const A = { corp: 0, region: 0, store: 0, guide: 0, customer: 0 };
const B = { corp: 0, region: 0 };
const stores = z.object({ stores: z.number() });

let computed = 0;
/** A tenant's store count, as a board would read it, counting the computations. */
const ask = (corpId: number, key = 'stores', before: () => Promise<void> = async () => undefined) =>
  t.ctx.boardCache.answer(corpId, key, stores, async () => {
    computed++;
    await before();
    const r = await t.ctx.db('stores').where({ corp_id: corpId }).count<{ n: string }[]>({ n: '*' });
    return { stores: Number(r[0]!.n) };
  });
const read = async (corpId: number, key?: string) => stores.parse(JSON.parse((await ask(corpId, key)).body.toString()));

beforeAll(async () => {
  const db = t.ctx.db;
  A.corp = (await createCorp(db, t.ctx.secrets)).id;
  A.region = await createRegion(db, A.corp);
  A.store = await createStore(db, A.corp, A.region);
  A.guide = (await createGuide(db, A.corp, A.store, { userid: 'ga' })).id;
  A.customer = (await createCustomer(db, A.corp, { name: '周晓' })).id;
  B.corp = (await createCorp(db, t.ctx.secrets)).id;
  B.region = await createRegion(db, B.corp);
  await db('users').insert({ corp_id: A.corp, userid: 'hq', name: '总部', role: 'head_office' });
});

describe('board cache', () => {
  it('every table a board reads notifies its changes, for each kind of write', async () => {
    const r = await t.ctx.db.raw<{ rows: { table: string; events: string }[] }>(
      `select c.relname as table, string_agg(t.tgname, ' ' order by t.tgname) as events
         from pg_trigger t join pg_class c on c.oid = t.tgrelid
        where t.tgname like '%\\_board\\_changes\\_%' and not t.tgisinternal group by 1`,
    );
    const byTable = new Map(r.rows.map((x) => [x.table, x.events]));
    for (const table of BOARD_SOURCES)
      expect(byTable.get(table), table).toBe(
        ['delete', 'insert', 'truncate', 'update'].map((op) => `${table}_board_changes_${op}`).join(' '),
      );
  });

  it('keeps an answer until a commit changes its tenant, and shows that commit at once', async () => {
    const first = await ask(A.corp);
    const n0 = computed;
    expect(await ask(A.corp)).toBe(first);
    expect(computed).toBe(n0);
    // Read after commit, many times over: the next answer always includes the store just committed.
    for (let i = 1; i <= 25; i++) {
      await createStore(t.ctx.db, A.corp, A.region);
      expect((await read(A.corp)).stores).toBe(1 + i);
    }
    expect(computed).toBe(n0 + 25);
    expect(t.ctx.boardCache.stats.hits).toBeGreaterThan(0);
  });

  it("another tenant's commits, and uncommitted or rolled-back writes, leave the answer", async () => {
    const kept = await ask(A.corp);
    const n0 = computed;
    await createStore(t.ctx.db, B.corp, B.region);
    expect(await ask(A.corp)).toBe(kept);
    const trx = await t.ctx.db.transaction();
    await trx('stores').insert({
      corp_id: A.corp,
      region_id: A.region,
      code: 'ROLLED-BACK',
      name: '回滚店',
      city: '上海',
    });
    expect(await ask(A.corp)).toBe(kept);
    await trx.rollback();
    expect(await ask(A.corp)).toBe(kept);
    expect(computed).toBe(n0);
  });

  it('a statement across more tenants than a notification can name voids every answer, and still commits', async () => {
    const kept = await ask(A.corp, 'wide');
    const n0 = computed;
    // 2,000 tenants' ids pass the 8,000 bytes a notification's payload may hold.
    const ids = Array.from({ length: 2_000 }, (_, i) => 9_000_000 + i);
    await t.ctx.db.raw(
      `insert into daily_reach (corp_id, day, guide_id, customer_id, interactions)
       select c, date '2026-11-01', -c, -c, 1 from unnest(?::bigint[]) c`,
      [ids],
    );
    expect((await ask(A.corp, 'wide')).body).toEqual(kept.body);
    expect(computed).toBe(n0 + 1);
    await t.ctx.db('daily_reach').whereIn('corp_id', ids).del();
  });

  it('an answer computed across a commit is not kept', async () => {
    await ask(A.corp, 'across');
    await createStore(t.ctx.db, A.corp, A.region);
    // Computed from a snapshot taken before the commit below lands.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const before = (await read(A.corp)).stores;
    const trx = await t.ctx.db.transaction();
    await trx('stores').insert({ corp_id: A.corp, region_id: A.region, code: 'LATE', name: '迟到店', city: '上海' });
    const stale = ask(A.corp, 'across', async () => {
      await gate;
    });
    await trx.commit();
    release();
    // The computation may or may not see the commit; the next answer must.
    await stale;
    expect((await read(A.corp, 'across')).stores).toBe(before + 1);
  });

  it('concurrent askers share one computation', async () => {
    await createStore(t.ctx.db, A.corp, A.region);
    const n0 = computed;
    const answers = await Promise.all(Array.from({ length: 10 }, () => ask(A.corp, 'shared')));
    expect(new Set(answers).size).toBe(1);
    expect(computed).toBe(n0 + 1);
  });

  it('without its listener the cache keeps nothing, and keeps again once it is back', async () => {
    await ask(A.corp, 'lost');
    const lost = t.ctx.boardCache.nextChange();
    await t.ctx.db.raw(
      `select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'guidepost board cache' and datname = current_database()`,
    );
    await lost;
    const n0 = computed;
    // Reconnects on the next ask, which computes afresh (a reconnect starts empty) …
    await ask(A.corp, 'lost');
    expect(computed).toBe(n0 + 1);
    // … and keeps again after it.
    await ask(A.corp, 'lost');
    expect(computed).toBe(n0 + 1);
  });

  it('answers are kept per scope: one URL asked by head office, a regional manager and a store manager', async () => {
    const db = t.ctx.db;
    const other = await createRegion(db, A.corp, { name: '华南区' });
    const far = await createStore(db, A.corp, other);
    const users = await db('users')
      .insert([
        { corp_id: A.corp, userid: 'rm', name: '区域经理', role: 'regional_manager' },
        { corp_id: A.corp, userid: 'sm', name: '店长', role: 'store_manager' },
      ])
      .returning<{ id: number; userid: string }[]>(['id', 'userid']);
    const id = (u: string) => users.find((x) => x.userid === u)!.id;
    await db('user_scopes').insert([
      { corp_id: A.corp, user_id: id('rm'), region_id: A.region, store_id: null },
      { corp_id: A.corp, user_id: id('sm'), region_id: null, store_id: A.store },
    ]);
    const app = createApp(t.ctx);
    const get = (userid: string, url: string) =>
      request(app)
        .get(`${url}?from=2026-11-01&to=2026-11-30`)
        .set('Authorization', `Bearer ${signSession(t.ctx.cfg.SESSION_SECRET, { corpId: A.corp, userid }, 600)}`);
    const ids = (res: request.Response) => (res.body.rows as { id: number }[]).map((r) => r.id).sort((a, b) => a - b);
    // The widest scope first, so a key shared by mistake would hand its answer to the narrower ones.
    const hq = await get('hq', '/api/boards/regions');
    expect(ids(hq)).toEqual([A.region, other].sort((a, b) => a - b));
    expect(ids(await get('rm', '/api/boards/regions'))).toEqual([A.region]);
    expect(ids(await get('sm', '/api/boards/regions'))).toEqual([A.region]);
    const stores = await get('hq', `/api/boards/regions/${A.region}/stores`);
    expect(ids(stores).length).toBeGreaterThan(1);
    expect(ids(await get('rm', `/api/boards/regions/${A.region}/stores`))).toEqual(ids(stores));
    expect(ids(await get('sm', `/api/boards/regions/${A.region}/stores`))).toEqual([A.store]);
    expect((await get('rm', `/api/boards/regions/${other}/stores`)).status).toBe(403);
    expect((await get('sm', `/api/boards/stores/${far}/guides`)).status).toBe(403);
  });

  it('over HTTP: the same bytes with an ETag, 304 when unchanged, and a new credit at once', async () => {
    const app = createApp(t.ctx);
    const auth = `Bearer ${signSession(t.ctx.cfg.SESSION_SECRET, { corpId: A.corp, userid: 'hq' }, 600)}`;
    const url = `/api/boards/stores/${A.store}/guides?from=2026-11-01&to=2026-11-30`;
    const first = await request(app).get(url).set('Authorization', auth);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    expect(first.headers['cache-control']).toBe('no-store');
    const again = await request(app).get(url).set('Authorization', auth);
    expect(again.text).toBe(first.text);
    expect(again.headers.etag).toBe(first.headers.etag);
    const unchanged = await request(app).get(url).set('Authorization', auth).set('If-None-Match', first.headers.etag!);
    expect(unchanged.status).toBe(304);

    await recordInteractions(t.ctx.db, [
      {
        corpId: A.corp,
        guideId: A.guide,
        customerId: A.customer,
        occurredAt: new Date('2026-11-10T12:00:00+08:00'),
        kind: 'script_send',
        source: 'sidebar',
        evidenceId: 'cache-1',
      },
    ]);
    const [o] = await t.ctx
      .db('orders')
      .insert({
        corp_id: A.corp,
        source: 'pos',
        order_no: 'CACHE-1',
        store_id: A.store,
        customer_id: A.customer,
        paid_at: new Date('2026-11-11T12:00:00+08:00'),
        gross_fen: 30_000,
        net_fen: 30_000,
        coupon_codes: [],
      })
      .returning<{ id: number }[]>('id');
    await attributeOrders(t.ctx, A.corp, [o!.id], 'test');
    const after = await request(app).get(url).set('Authorization', auth).set('If-None-Match', first.headers.etag!);
    expect(after.status).toBe(200);
    expect(after.headers.etag).not.toBe(first.headers.etag);
    expect(after.body.rows.find((r: { id: number }) => r.id === A.guide).current).toMatchObject({
      creditedFen: 30_000,
      creditedOrders: 1,
    });
    expect(after.body.total.storeSalesFen).toBe(30_000);
  });
});
