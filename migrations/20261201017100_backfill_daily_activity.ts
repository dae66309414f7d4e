import type { Knex } from 'knex';

/**
 * Fills the activity rollups from the facts already stored (the same aggregation as
 * core/boards/activity.ts rebuildActivity); from here on the triggers keep them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('lock table daily_activity, daily_reach in share row exclusive mode');
  await knex.raw(`
    insert into daily_activity (corp_id, day, guide_id, channel, interactions, customers_added, coupons_issued, coupons_redeemed)
    select corp_id, day, guide_id, channel, sum(i), sum(a), sum(ci), sum(cr) from (
      select x.corp_id, (x.occurred_at at time zone k.timezone)::date, x.guide_id, '', count(*), 0, 0, 0
        from interactions x join corps k on k.id = x.corp_id group by 1, 2, 3
      union all
      select x.corp_id, (x.added_at at time zone k.timezone)::date, x.guide_id, coalesce(x.state, ''), 0, count(*), 0, 0
        from customer_guides x join corps k on k.id = x.corp_id group by 1, 2, 3, 4
      union all
      select x.corp_id, (x.issued_at at time zone k.timezone)::date, x.guide_id, '', 0, 0, count(*), 0
        from coupons x join corps k on k.id = x.corp_id where x.guide_id is not null group by 1, 2, 3
      union all
      select x.corp_id, (x.redeemed_at at time zone k.timezone)::date, x.guide_id, '', 0, 0, 0, count(*)
        from coupons x join corps k on k.id = x.corp_id where x.guide_id is not null and x.redeemed_at is not null
       group by 1, 2, 3
    ) r (corp_id, day, guide_id, channel, i, a, ci, cr)
    group by 1, 2, 3, 4`);
  await knex.raw(`
    insert into daily_reach (corp_id, day, guide_id, customer_id, interactions)
    select x.corp_id, (x.occurred_at at time zone k.timezone)::date, x.guide_id, x.customer_id, count(*)
      from interactions x join corps k on k.id = x.corp_id
     group by 1, 2, 3, 4`);
  await knex.raw('analyze daily_activity');
  await knex.raw('analyze daily_reach');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('truncate daily_activity, daily_reach');
}
