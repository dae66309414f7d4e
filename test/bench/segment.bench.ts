/**
 * A campaign segment over the benchmark tenant (1,000,000 customers): customers by tags and sizes,
 * counted (the preview head office sees) and materialised (the campaign's recipients with their
 * own guide and the holdout), through core/campaigns/segments.ts, against the same count by one
 * hand-written SQL query, in alternating rounds of the same run.
 *   npm run bench -- segment [--database guidepost_bench_<copy>] [--corp wwbench0001guidepost] [--rounds 3] [--tiers 1]
 * The materialisation runs in a transaction that is rolled back: the database is left as it was.
 * Prints `RESULT segment seconds=<s> customers=<n> baseline_seconds=<b> ratio=<b/s>` (medians).
 */
import { parseArgs } from 'node:util';
import type { Principal } from '../../core/auth/principal';
import { scopeOf } from '../../core/access/scope';
import { materialiseRecipients, previewSegment } from '../../core/campaigns/segments';
import type { SegmentDefinition } from '../../core/contracts/campaigns';
import { loadConfigOrExit } from '../../core/config/env';
import { withDatabase } from '../../core/db/database-url';
import { createDb, type Db } from '../../core/db/knex';
import { migrateLatest } from '../../core/db/migrate';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

/**
 * The segment: the value group's `tiers` rarest tiers (either; by default 1, 超级VIP in the bench data, 8% of
 * customers; 2 adds 重点培养, 42% together), and the three most common sizes of the most sized category.
 */
async function pickSegment(db: Db, corpId: number, tiers: number): Promise<SegmentDefinition> {
  const tags = await db.raw<{ rows: { id: string }[] }>(
    `select t.id from tags t join tag_groups g on g.id = t.group_id
      where t.corp_id = ? and g.kind = 'value'
      order by (select count(*) from customer_tags ct where ct.tag_id = t.id), t.id limit ?`,
    [corpId, tiers],
  );
  const cat = await db.raw<{ rows: { category: string }[] }>(
    `select category from customer_sizes where corp_id = ? group by category order by count(*) desc limit 1`,
    [corpId],
  );
  const category = cat.rows[0]!.category;
  const sizes = await db.raw<{ rows: { size: string }[] }>(
    `select size from customer_sizes where corp_id = ? and category = ? group by size order by count(*) desc limit 3`,
    [corpId, category],
  );
  return {
    tags: [tags.rows.map((r) => Number(r.id))],
    sizes: { category, sizes: sizes.rows.map((r) => r.size) },
  };
}

/** The same count, written by hand. */
async function baselineCount(db: Db, corpId: number, def: SegmentDefinition): Promise<number> {
  const r = await db.raw<{ rows: { n: string }[] }>(
    `select count(*) as n from customers c
      where c.corp_id = ?
        and exists (select 1 from customer_tags ct where ct.customer_id = c.id and ct.tag_id = any(?::bigint[]))
        and exists (select 1 from customer_sizes cs where cs.customer_id = c.id and cs.category = ? and cs.size = any(?::text[]))`,
    [corpId, def.tags[0]!, def.sizes!.category, def.sizes!.sizes],
  );
  return Number(r.rows[0]!.n);
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      database: { type: 'string', default: 'guidepost_bench' },
      corp: { type: 'string', default: 'wwbench0001guidepost' },
      rounds: { type: 'string', default: '3' },
      tiers: { type: 'string', default: '1' },
    },
  });
  const cfg = loadConfigOrExit();
  const db = createDb(withDatabase(cfg.DATABASE_URL, values.database), { pool: { min: 0, max: 2 } });
  try {
    await migrateLatest(db);
    const corp = await db('corps').where({ wecom_corp_id: values.corp }).first<{ id: string } | undefined>('id');
    if (!corp) throw new Error(`no corp ${values.corp} in ${values.database}: run npm run bench -- seed --scale bench`);
    const corpId = Number(corp.id);
    const adminUser = await db('users')
      .where({ corp_id: corpId, role: 'admin' })
      .first<{ id: string; userid: string }>();
    const admin: Principal = {
      corpId,
      userId: Number(adminUser.id),
      userid: adminUser.userid,
      name: 'bench',
      role: 'admin',
      guideId: null,
      storeIds: [],
      regionIds: [],
    };
    // Fresh statistics (the benchmark data is loaded by COPY) for the segment's and the baseline's plans alike.
    await db.raw('analyze customers, customer_tags, customer_sizes, customer_guides, guides, stores');
    const customers = Number((await db('customers').where({ corp_id: corpId }).count<{ n: string }[]>('* as n'))[0]!.n);
    const def = await pickSegment(db, corpId, Number(values.tiers));
    console.log(`segment over ${customers.toLocaleString('en')} customers: ${JSON.stringify(def)}`);
    const scope = await scopeOf(db, admin);
    const seg: number[] = [];
    const countOnly: number[] = [];
    const base: number[] = [];
    let n = -1;
    const rounds = Number(values.rounds);
    for (let round = 0; round <= rounds; round++) {
      // Round 0 warms the cache for both and is not counted.
      let t0 = process.hrtime.bigint();
      const baseline = await baselineCount(db, corpId, def);
      const b = seconds(t0);

      t0 = process.hrtime.bigint();
      const preview = await previewSegment(db, admin, def);
      const c = seconds(t0);
      const materialised = await db
        .transaction(async (trx) => {
          const [campaign] = await trx('campaigns')
            .insert({
              corp_id: corpId,
              name: 'segment bench',
              channel: 'mass_message',
              definition: JSON.stringify(def),
              content: JSON.stringify({ text: 'bench', attachments: [] }),
              holdout_bp: 1000,
              holdout_seed: 'bench',
              scheduled_at: new Date(),
            })
            .returning<{ id: string }[]>('id');
          const rows = await materialiseRecipients(
            trx,
            { campaignId: Number(campaign!.id), corpId, scope, definition: def, seed: 'bench', holdoutBp: 1000 },
            new Date(),
          );
          throw Object.assign(new Error('rollback'), { rows });
        })
        .catch((e: Error & { rows?: number }) => {
          if (e.rows === undefined) throw e;
          return e.rows;
        });
      const s = seconds(t0);
      if (preview.count !== baseline || materialised !== baseline)
        throw new Error(
          `counts differ: segment ${preview.count}, materialised ${materialised}, hand-written ${baseline}`,
        );
      n = baseline;
      console.log(
        `round ${round}${round === 0 ? ' (warm-up)' : ''}: segment ${s.toFixed(3)} s (count ${c.toFixed(3)} s + materialise ${(s - c).toFixed(3)} s), hand-written count ${b.toFixed(3)} s, ${baseline} customers`,
      );
      if (round === 0) continue;
      seg.push(s);
      countOnly.push(c);
      base.push(b);
    }
    const s = median(seg);
    const b = median(base);
    console.log(`count only: ${median(countOnly).toFixed(3)} s`);
    console.log(
      `RESULT segment seconds=${s.toFixed(3)} customers=${n} baseline_seconds=${b.toFixed(3)} ratio=${(b / s).toFixed(2)}`,
    );
  } finally {
    await db.destroy();
  }
}
