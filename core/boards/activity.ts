/**
 * The boards' activity rollups (migration 20261201017000): `daily_activity`, per (guide, tenant
 * day, channel code), interactions, customers added, coupons issued and redeemed; `daily_reach`,
 * per (guide, tenant day, customer), the interactions, for active customers. Triggers on
 * `interactions`, `customer_guides` and `coupons` move them in the transaction that writes the
 * facts; `rebuildActivity` derives them again from the facts, and the two agree row by row
 * (test/integration/boards-rollup.test.ts).
 */
import type { Db } from '../db/knex';

export interface ActivityCell {
  day: string;
  guide_id: number;
  channel: string;
  interactions: number;
  customers_added: number;
  coupons_issued: number;
  coupons_redeemed: number;
}
export interface ReachCell {
  day: string;
  guide_id: number;
  customer_id: number;
  interactions: number;
}

/** Replaces a tenant's activity rollups by the aggregation of its facts; returns the rows written. */
export async function rebuildActivity(db: Db, corpId: number): Promise<number> {
  return db.transaction(async (trx) => {
    // Writers move rows from their facts' statements; a rebuild holds both tables for the tenant's rewrite.
    await trx.raw('lock table daily_activity, daily_reach in share row exclusive mode');
    await trx('daily_activity').where({ corp_id: corpId }).del();
    await trx('daily_reach').where({ corp_id: corpId }).del();
    const tz = `(select timezone from corps where id = ?)`;
    const a = await trx.raw<{ rowCount: number }>(
      `insert into daily_activity (corp_id, day, guide_id, channel, interactions, customers_added, coupons_issued, coupons_redeemed)
       select ?, day, guide_id, channel, sum(i), sum(a), sum(ci), sum(cr) from (
         select (x.occurred_at at time zone ${tz})::date, x.guide_id, '', count(*), 0, 0, 0
           from interactions x where x.corp_id = ? group by 1, 2
         union all
         select (x.added_at at time zone ${tz})::date, x.guide_id, coalesce(x.state, ''), 0, count(*), 0, 0
           from customer_guides x where x.corp_id = ? group by 1, 2, 3
         union all
         select (x.issued_at at time zone ${tz})::date, x.guide_id, '', 0, 0, count(*), 0
           from coupons x where x.corp_id = ? and x.guide_id is not null group by 1, 2
         union all
         select (x.redeemed_at at time zone ${tz})::date, x.guide_id, '', 0, 0, 0, count(*)
           from coupons x where x.corp_id = ? and x.guide_id is not null and x.redeemed_at is not null group by 1, 2
       ) r (day, guide_id, channel, i, a, ci, cr)
       group by 2, 3, 4
       order by 3, 2, 4`,
      [corpId, corpId, corpId, corpId, corpId, corpId, corpId, corpId, corpId],
    );
    const r = await trx.raw<{ rowCount: number }>(
      `insert into daily_reach (corp_id, day, guide_id, customer_id, interactions)
       select x.corp_id, (x.occurred_at at time zone ${tz})::date, x.guide_id, x.customer_id, count(*)
         from interactions x where x.corp_id = ?
        group by 1, 2, 3, 4
        order by 3, 2, 4`,
      [corpId, corpId],
    );
    return a.rowCount + r.rowCount;
  });
}

/** A tenant's non-empty activity rows in key order, as comparable rows (tests and checks). */
export async function activityCells(db: Db, corpId: number): Promise<{ activity: ActivityCell[]; reach: ReachCell[] }> {
  const a = await db.raw<{ rows: (Omit<ActivityCell, 'guide_id'> & { guide_id: string })[] }>(
    `select to_char(day, 'YYYY-MM-DD') as day, guide_id, channel, interactions, customers_added, coupons_issued, coupons_redeemed
       from daily_activity
      where corp_id = ? and (interactions <> 0 or customers_added <> 0 or coupons_issued <> 0 or coupons_redeemed <> 0)
      order by guide_id, day, channel`,
    [corpId],
  );
  const r = await db.raw<{ rows: { day: string; guide_id: string; customer_id: string; interactions: number }[] }>(
    `select to_char(day, 'YYYY-MM-DD') as day, guide_id, customer_id, interactions
       from daily_reach where corp_id = ? and interactions <> 0 order by guide_id, day, customer_id`,
    [corpId],
  );
  return {
    activity: a.rows.map((x) => ({ ...x, guide_id: Number(x.guide_id) })),
    reach: r.rows.map((x) => ({ ...x, guide_id: Number(x.guide_id), customer_id: Number(x.customer_id) })),
  };
}
