import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { attributeOrders } from '../../core/attribution/attribution.service';
import { signSession } from '../../core/auth/session';
import { recordInteractions } from '../../core/ingest/interactions';
import { useTestContext } from '../helpers/context';
import { createCorp, createCustomer, createGuide, createRegion, createStore } from '../factories/org.factory';

const t = useTestContext();
const DAY = 86_400_000;
const T = Date.parse('2026-11-10T15:00:00+08:00');

describe('what-if replay', () => {
  it('reports owner changes and per guide / store / region deltas without touching live credits', async () => {
    const { ctx } = t;
    const corp = await createCorp(ctx.db, ctx.secrets);
    const region = await createRegion(ctx.db, corp.id, { name: '华东区' });
    const store = await createStore(ctx.db, corp.id, region, { name: '上海南京西路店' });
    const g1 = await createGuide(ctx.db, corp.id, store, { userid: 'licui', name: '李翠' });
    const g2 = await createGuide(ctx.db, corp.id, store, { userid: 'zhangmin', name: '张敏' });
    await ctx.db('users').insert({ corp_id: corp.id, userid: 'caiwu', name: '财务', role: 'finance' });
    const c = await createCustomer(ctx.db, corp.id);
    const [tpl] = await ctx
      .db('coupon_templates')
      .insert({ corp_id: corp.id, code: 'T', name: '券', kind: 'cash', value_fen: 1000, valid_days: 30 })
      .returning('id');
    await ctx.db('coupons').insert({
      corp_id: corp.id,
      template_id: tpl.id,
      code: 'GC1',
      customer_id: c.id,
      guide_id: g1.id,
      issued_at: new Date(T - 3 * DAY),
      sent_at: new Date(T - 3 * DAY),
      status: 'sent',
      expires_at: new Date(T + 20 * DAY),
    });
    const [a] = await ctx
      .db('orders')
      .insert({
        corp_id: corp.id,
        source: 'pos',
        order_no: 'A',
        store_id: store,
        customer_id: c.id,
        paid_at: new Date(T),
        gross_fen: 50_000,
        net_fen: 50_000,
        coupon_codes: ['GC1'],
      })
      .returning('id');
    const [b] = await ctx
      .db('orders')
      .insert({
        corp_id: corp.id,
        source: 'pos',
        order_no: 'B',
        store_id: store,
        customer_id: c.id,
        paid_at: new Date(T + 5 * DAY),
        gross_fen: 20_000,
        net_fen: 20_000,
      })
      .returning('id');
    await recordInteractions(ctx.db, [
      {
        corpId: corp.id,
        guideId: g2.id,
        customerId: c.id,
        occurredAt: new Date(T - DAY),
        kind: 'message',
        source: 'archive',
        evidenceId: 'm1',
      },
    ]);
    await attributeOrders(ctx, corp.id, [a.id, b.id], 'ingest');
    const liveBefore = await ctx
      .db('credits')
      .whereNull('superseded_at')
      .orderBy('order_id')
      .select('order_id', 'guide_id', 'rule');
    expect(liveBefore).toEqual([
      { order_id: a.id, guide_id: g1.id, rule: 'coupon' },
      { order_id: b.id, guide_id: g2.id, rule: 'interaction' },
    ]);

    const res = await request(createApp(t.ctx))
      .post('/api/attribution/what-if')
      .set('Authorization', `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'caiwu' }, 600)}`)
      .send({
        ruleSet: { precedence: ['interaction', 'coupon'], windowDays: 5, countedKinds: ['message'] },
        from: '2026-11-01T00:00:00+08:00',
        to: '2026-12-01T00:00:00+08:00',
      });
    expect(res.status).toBe(200);
    // A: the interaction now comes first → 张敏. B: a 5-day window drops the message 6 days earlier → nobody.
    expect(res.body).toMatchObject({ orders: 2, changedOwner: 2, newlyAttributed: 0, newlyUnattributed: 1 });
    expect(res.body.byGuide).toEqual([
      { guideId: g1.id, name: '李翠', storeId: store, currentFen: 50_000, proposedFen: 0, deltaFen: -50_000 },
      { guideId: g2.id, name: '张敏', storeId: store, currentFen: 20_000, proposedFen: 50_000, deltaFen: 30_000 },
    ]);
    expect(res.body.byStore).toEqual([
      { storeId: store, name: '上海南京西路店', currentFen: 70_000, proposedFen: 50_000, deltaFen: -20_000 },
    ]);
    expect(res.body.byRegion).toEqual([
      { regionId: region, name: '华东区', currentFen: 70_000, proposedFen: 50_000, deltaFen: -20_000 },
    ]);
    expect(
      await ctx.db('credits').whereNull('superseded_at').orderBy('order_id').select('order_id', 'guide_id', 'rule'),
    ).toEqual(liveBefore);

    const bad = await request(createApp(t.ctx))
      .post('/api/attribution/what-if')
      .set('Authorization', `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'caiwu' }, 600)}`)
      .send({
        ruleSet: { precedence: ['coupon'], windowDays: 0, countedKinds: ['message'] },
        from: '2026-11-01T00:00:00+08:00',
        to: '2026-12-01T00:00:00+08:00',
      });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('body.ruleSet.windowDays');
    const guide = await request(createApp(t.ctx))
      .post('/api/attribution/what-if')
      .set('Authorization', `Bearer ${signSession(ctx.cfg.SESSION_SECRET, { corpId: corp.id, userid: 'licui' }, 600)}`)
      .send({});
    expect(guide.status).toBe(403);
  });
});
