import type { Knex } from 'knex';

/**
 * The boards' activity rollups, beside `daily_credits`, so no board counts raw facts:
 * - `daily_activity`: per (guide, tenant day, channel code) the interactions, customers added
 *   (follow relations by `added_at`, under their channel code `state`; '' when none), coupons
 *   issued (by `issued_at`) and redeemed (by `redeemed_at`) — interactions and coupons under '';
 * - `daily_reach`: per (guide, tenant day, customer) the interactions, so active customers (the
 *   distinct customers a guide, store or region reached in a range) count one row per customer
 *   and day instead of every interaction.
 * Keyed by guide only: boards place a guide's activity at her current store, as before.
 *
 * Statement-level triggers move both in the transaction that writes the facts, whoever writes
 * them (sidebar sends, WeCom events, imports, campaigns, contact sync, coupon redemption, bulk
 * loads): each statement's transition table is aggregated once and upserted as a delta (an
 * update subtracts its old rows and adds its new ones). The rebuild (core/boards/activity.ts)
 * derives the same rows from the facts.
 */
const DAY = (col: string) => `(${col} at time zone k.timezone)::date`;

/** Per table, the rows a transition table contributes: (corp, day, guide, channel, counts…). */
const ACTIVITY: Record<string, (t: string, sign: string) => string> = {
  interactions: (t, sign) =>
    `select x.corp_id, ${DAY('x.occurred_at')} as day, x.guide_id, '' as channel, ${sign} as i, 0 as a, 0 as ci, 0 as cr
       from ${t} x join corps k on k.id = x.corp_id`,
  customer_guides: (t, sign) =>
    `select x.corp_id, ${DAY('x.added_at')}, x.guide_id, coalesce(x.state, ''), 0, ${sign}, 0, 0
       from ${t} x join corps k on k.id = x.corp_id`,
  coupons: (t, sign) =>
    `select x.corp_id, ${DAY('x.issued_at')}, x.guide_id, '', 0, 0, ${sign}, 0
       from ${t} x join corps k on k.id = x.corp_id where x.guide_id is not null
     union all
     select x.corp_id, ${DAY('x.redeemed_at')}, x.guide_id, '', 0, 0, 0, ${sign}
       from ${t} x join corps k on k.id = x.corp_id where x.guide_id is not null and x.redeemed_at is not null`,
};

const upsertActivity = (rows: string) => `
  insert into daily_activity as d (corp_id, day, guide_id, channel, interactions, customers_added, coupons_issued, coupons_redeemed)
  select corp_id, day, guide_id, channel, sum(i), sum(a), sum(ci), sum(cr)
    from (${rows}) r (corp_id, day, guide_id, channel, i, a, ci, cr)
   group by 1, 2, 3, 4
  having sum(i) <> 0 or sum(a) <> 0 or sum(ci) <> 0 or sum(cr) <> 0
   order by 3, 2, 4
  on conflict (guide_id, day, channel) do update set
     interactions = d.interactions + excluded.interactions,
     customers_added = d.customers_added + excluded.customers_added,
     coupons_issued = d.coupons_issued + excluded.coupons_issued,
     coupons_redeemed = d.coupons_redeemed + excluded.coupons_redeemed;`;

const reachRows = (t: string, sign: string) =>
  `select x.corp_id, ${DAY('x.occurred_at')} as day, x.guide_id, x.customer_id, ${sign} as n
     from ${t} x join corps k on k.id = x.corp_id`;

const upsertReach = (rows: string) => `
  insert into daily_reach as d (corp_id, day, guide_id, customer_id, interactions)
  select corp_id, day, guide_id, customer_id, sum(n)
    from (${rows}) r (corp_id, day, guide_id, customer_id, n)
   group by 1, 2, 3, 4
  having sum(n) <> 0
   order by 3, 2, 4
  on conflict (guide_id, day, customer_id) do update set interactions = d.interactions + excluded.interactions;`;

/** The rows an operation contributes: inserted +1, deleted −1, updated −old +new. */
function delta(f: (t: string, sign: string) => string, op: 'insert' | 'update' | 'delete'): string {
  if (op === 'insert') return f('new_rows', '1');
  if (op === 'delete') return f('old_rows', '-1');
  return `${f('old_rows', '-1')} union all ${f('new_rows', '1')}`;
}

const OPS = ['insert', 'update', 'delete'] as const;
const transition = (op: (typeof OPS)[number]) =>
  op === 'insert'
    ? 'new table as new_rows'
    : op === 'delete'
      ? 'old table as old_rows'
      : 'old table as old_rows new table as new_rows';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table daily_activity (
      corp_id bigint not null,
      day date not null,
      guide_id bigint not null,
      channel text not null default '',
      interactions integer not null default 0,
      customers_added integer not null default 0,
      coupons_issued integer not null default 0,
      coupons_redeemed integer not null default 0,
      primary key (guide_id, day, channel)
    )`);
  await knex.raw(`comment on column daily_activity.day is 'in the tenant''s time zone'`);
  await knex.raw(
    `comment on column daily_activity.channel is 'channel code (customer_guides.state) of customers_added; '''' otherwise'`,
  );
  await knex.raw(`create index daily_activity_corp_day on daily_activity (corp_id, day)`);
  await knex.raw(`
    create table daily_reach (
      corp_id bigint not null,
      day date not null,
      guide_id bigint not null,
      customer_id bigint not null,
      interactions integer not null,
      primary key (guide_id, day, customer_id)
    )`);
  await knex.raw(`comment on column daily_reach.day is 'in the tenant''s time zone'`);

  for (const [table, f] of Object.entries(ACTIVITY))
    for (const op of OPS) {
      // Cells that fall to zero stay (readers sum them; the rebuild writes non-zero cells only).
      const body = upsertActivity(delta(f, op)) + (table === 'interactions' ? upsertReach(delta(reachRows, op)) : '');
      await knex.raw(`
        create function gp_activity_${table}_${op}() returns trigger language plpgsql as $fn$
        begin
          ${body}
          return null;
        end $fn$`);
      await knex.raw(`
        create trigger ${table}_activity_${op} after ${op} on ${table}
          referencing ${transition(op)} for each statement execute function gp_activity_${table}_${op}()`);
    }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of Object.keys(ACTIVITY))
    for (const op of OPS) {
      await knex.raw(`drop trigger ${table}_activity_${op} on ${table}`);
      await knex.raw(`drop function gp_activity_${table}_${op}()`);
    }
  await knex.raw('drop table daily_reach');
  await knex.raw('drop table daily_activity');
}
