/**
 * Monthly targets (业绩目标): a store manager sets his guides', a regional manager her stores' (and
 * guides'), head office the regions' (and anything below). Each change is audited. Completion is
 * the month's credited sales (month to date) over the target; pace compares it with the share of
 * the month elapsed. A region's target is shown beside the sum of its stores' targets.
 */
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import {
  assertGuide,
  assertRegion,
  assertRegionVisible,
  assertStoreVisible,
  scopeFilter,
  scopeOf,
  type Scope,
} from '../access/scope';
import type { Principal, Role } from '../auth/principal';
import type { AppContext } from '../context';
import type { Targets } from '../contracts/boards';
import { AppError } from '../errors';
import { tenantZone } from './boards';

dayjs.extend(utc);
dayjs.extend(timezone);

export type TargetLevel = 'guide' | 'store' | 'region';

/** Who may set a level's targets: the manager above it (and anyone above them). */
const SETTERS: Record<TargetLevel, readonly Role[]> = {
  guide: ['store_manager', 'regional_manager', 'head_office', 'admin'],
  store: ['regional_manager', 'head_office', 'admin'],
  region: ['head_office', 'admin'],
};

function monthBounds(month: string, tz: string) {
  const first = dayjs.utc(`${month}-01`);
  const days = first.daysInMonth();
  const today = dayjs().tz(tz).format('YYYY-MM-DD');
  const last = first.add(days - 1, 'day').format('YYYY-MM-DD');
  const start = first.format('YYYY-MM-DD');
  const elapsed = today < start ? 0 : today > last ? days : Number(today.slice(8, 10));
  return { start, last, days, elapsed };
}

/** Check that the subject exists in the tenant and lies in scope; returns its parent (region of a store, store of a guide). */
async function assertSubject(ctx: AppContext, s: Scope, level: TargetLevel, id: number): Promise<void> {
  if (level === 'guide') await assertGuide(ctx.db, s, id);
  else if (level === 'store') await assertStoreVisible(ctx.db, s, id);
  else {
    assertRegion(s, id);
    const r = await ctx.db('regions').where({ id, corp_id: s.corpId }).first('id');
    if (!r) throw new AppError('NOT_FOUND', `no region ${id}`, { field: 'body.id' });
  }
}

/** The targets of a level for a month: regions, a region's stores, or a store's guides. */
export async function listTargets(
  ctx: AppContext,
  p: Principal,
  q: { month: string; level: TargetLevel; parentId?: number | undefined },
): Promise<Targets> {
  const s = await scopeOf(ctx.db, p);
  if (q.level !== 'region' && q.parentId === undefined)
    throw new AppError('VALIDATION_FAILED', 'query.parentId: required for stores and guides', {
      field: 'query.parentId',
    });
  if (q.level === 'store') await assertRegionVisible(ctx.db, s, q.parentId!);
  if (q.level === 'guide') await assertStoreVisible(ctx.db, s, q.parentId!);
  const tz = await tenantZone(ctx.db, p.corpId);
  const m = monthBounds(q.month, tz);
  const f = scopeFilter(s, { corp: 'd.corp_id', store: 'd.store_id', guide: 'd.guide_id' });
  // Subjects in scope, their targets, month-to-date credited sales, and their children's targets.
  const spec = {
    region: {
      subjects: `select r.id, r.name from regions r where r.corp_id = ? and (? or r.id in (select region_id from stores where id = any(?::bigint[])))`,
      key: 's.region_id',
      child: `select s2.region_id as id, sum(t.amount_fen)::bigint as fen from board_targets t join stores s2 on s2.id = t.subject_id
               where t.corp_id = ? and t.level = 'store' and t.month = ? group by 1`,
    },
    store: {
      subjects: `select s.id, s.name from stores s where s.corp_id = ? and s.region_id = ? and (? or s.id = any(?::bigint[]))`,
      key: 'd.store_id',
      child: `select g2.store_id as id, sum(t.amount_fen)::bigint as fen from board_targets t join guides g2 on g2.id = t.subject_id
               where t.corp_id = ? and t.level = 'guide' and t.month = ? group by 1`,
    },
    guide: {
      subjects: `select g.id, g.name from guides g where g.corp_id = ? and g.store_id = ? and (? or g.store_id = any(?::bigint[]))`,
      key: 'd.guide_id',
      child: null,
    },
  }[q.level];
  const whole = s.level === 'corp';
  const storeIds = s.level === 'corp' ? [] : s.storeIds;
  const [subjects, targets, sales, children] = await Promise.all([
    ctx.db.raw<{ rows: { id: number; name: string }[] }>(
      `${spec.subjects} order by 1`,
      q.level === 'region' ? [p.corpId, whole, storeIds] : [p.corpId, q.parentId!, whole, storeIds],
    ),
    ctx
      .db('board_targets')
      .where({ corp_id: p.corpId, level: q.level, month: m.start })
      .select<{ subject_id: number; amount_fen: number }[]>('subject_id', 'amount_fen'),
    ctx.db.raw<{ rows: { id: number; fen: number }[] }>(
      `select ${spec.key} as id, sum(d.amount_fen)::bigint as fen from daily_credits d left join stores s on s.id = d.store_id
        where ${f.sql} and d.day between ? and ? group by 1`,
      [...f.bindings, m.start, m.last],
    ),
    spec.child
      ? ctx.db.raw<{ rows: { id: number; fen: number }[] }>(spec.child, [p.corpId, m.start])
      : Promise.resolve({ rows: [] as { id: number; fen: number }[] }),
  ]);
  const target = new Map(targets.map((t) => [Number(t.subject_id), Number(t.amount_fen)]));
  const sold = new Map(sales.rows.map((r) => [r.id, r.fen]));
  const child = new Map(children.rows.map((r) => [r.id, r.fen]));
  const canSet = SETTERS[q.level].includes(p.role);
  return {
    month: q.month,
    daysElapsed: m.elapsed,
    daysInMonth: m.days,
    rows: subjects.rows.map((r) => {
      const t = target.get(r.id) ?? null;
      const fen = sold.get(r.id) ?? 0;
      return {
        level: q.level,
        id: r.id,
        name: r.name,
        month: q.month,
        targetFen: t,
        creditedFen: fen,
        completionBp: t ? Math.round((fen * 10_000) / t) : null,
        paceBp: t && m.elapsed ? Math.round((fen * 10_000 * m.days) / (t * m.elapsed)) : null,
        childrenTargetFen: spec.child ? (child.get(r.id) ?? null) : null,
        canSet,
      };
    }),
  };
}

/** Sets (or replaces) a target; audited with the old and new amounts. */
export async function setTarget(
  ctx: AppContext,
  p: Principal,
  t: { level: TargetLevel; id: number; month: string; amountFen: number },
  requestId: string,
): Promise<{ amountFen: number; previousFen: number | null }> {
  if (!SETTERS[t.level].includes(p.role))
    throw new AppError('FORBIDDEN', `${t.level} targets are set by the manager above`, { field: 'body.level' });
  const s = await scopeOf(ctx.db, p);
  await assertSubject(ctx, s, t.level, t.id);
  const month = `${t.month}-01`;
  return ctx.db.transaction(async (trx) => {
    const old = await trx('board_targets')
      .where({ corp_id: p.corpId, level: t.level, subject_id: t.id, month })
      .forUpdate()
      .first<{ amount_fen: number } | undefined>('amount_fen');
    await trx('board_targets')
      .insert({
        corp_id: p.corpId,
        level: t.level,
        subject_id: t.id,
        month,
        amount_fen: t.amountFen,
        set_by: p.userid,
        updated_at: trx.fn.now(),
      })
      .onConflict(['corp_id', 'level', 'subject_id', 'month'])
      .merge(['amount_fen', 'set_by', 'updated_at']);
    await trx('audit_log').insert({
      corp_id: p.corpId,
      actor: p.userid,
      action: 'target.set',
      entity: `${t.level}_target`,
      entity_id: `${t.id}:${t.month}`,
      detail: { level: t.level, subjectId: t.id, month: t.month, fromFen: old?.amount_fen ?? null, toFen: t.amountFen },
      request_id: requestId,
    });
    return { amountFen: t.amountFen, previousFen: old ? Number(old.amount_fen) : null };
  });
}
