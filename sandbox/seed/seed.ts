import pg from 'pg';
import { SecretBox } from '../../core/crypto/secret-box';
import { copyTables, type CopyProgress } from './copy-writer';
import { ID_TABLES, generate } from './generate';
import { BENCH_CORP, DEMO_CORP, SCALES, type Scale } from './scales';

export interface SeedOptions {
  databaseUrl: string;
  secretsKey: string;
  scale: Scale['name'];
  seed?: number;
  anchor?: Date;
  onProgress?: CopyProgress;
  /**
   * Skip foreign-key trigger checks during the load (session_replication_role = replica; needs a
   * superuser). Only for the benchmark data, whose references the generator guarantees and the
   * demo-scale test checks with the triggers on.
   */
  trustReferences?: boolean;
}

export interface SeedResult {
  corpId: number;
  skipped: boolean;
  rows: number;
  counts: Record<string, number>;
  seconds: number;
}

/**
 * Writes the generated tenant in one transaction through COPY. Idempotent: a tenant whose
 * WeCom corp id already exists is left as it is.
 */
export async function seedTenant(opts: SeedOptions): Promise<SeedResult> {
  const t0 = performance.now();
  const scale = SCALES[opts.scale];
  const corp = opts.scale === 'demo' ? DEMO_CORP : BENCH_CORP;
  const client = new pg.Client({ connectionString: opts.databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(`select pg_advisory_xact_lock(hashtext('guidepost-seed'))`);
    const existing = await client.query<{ id: string }>('select id from corps where wecom_corp_id = $1', [
      corp.wecomCorpId,
    ]);
    if (existing.rowCount) {
      await client.query('rollback');
      return {
        corpId: Number(existing.rows[0]!.id),
        skipped: true,
        rows: 0,
        counts: {},
        seconds: (performance.now() - t0) / 1000,
      };
    }
    const base: Record<string, number> = {};
    for (const t of ID_TABLES) {
      const r = await client.query<{ m: string }>(`select coalesce(max(id), 0) as m from ${t}`);
      base[t] = Number(r.rows[0]!.m);
    }
    const box = new SecretBox(opts.secretsKey);
    const tables = generate({
      seed: opts.seed ?? 20261124,
      scale,
      anchor: opts.anchor ?? new Date(),
      corp: {
        wecomCorpId: corp.wecomCorpId,
        name: corp.name,
        agentId: corp.agentId,
        callbackToken: corp.callbackToken,
        productShare: corp.productShare,
      },
      secrets: {
        agentSecretEnc: box.seal(corp.agentSecret),
        contactSecretEnc: box.seal(corp.contactSecret),
        callbackAesKeyEnc: box.seal(corp.callbackAesKey),
        posHmacSecretEnc: box.seal(corp.posHmacSecret),
      },
      base,
    });
    if (opts.trustReferences) {
      const su = await client.query<{ rolsuper: boolean }>(
        'select rolsuper from pg_roles where rolname = current_user',
      );
      if (su.rows[0]?.rolsuper) await client.query('set local session_replication_role = replica');
    }
    const counts = await copyTables(client, tables, opts.onProgress);
    // Every seeded script send is a script_sends row too, and each script's counter counts them all.
    const corpId = base.corps! + 1;
    const sends = await client.query(
      `insert into script_sends (corp_id, script_id, guide_id, customer_id, client_send_id, sent_at)
       select corp_id, (detail->>'scriptId')::bigint, guide_id, customer_id, evidence_id, occurred_at
         from interactions where corp_id = $1 and kind = 'script_send' and detail ? 'scriptId'`,
      [corpId],
    );
    counts.script_sends = sends.rowCount ?? 0;
    await client.query(
      `update scripts s set send_count = n from (select script_id, count(*)::int as n from script_sends where corp_id = $1 group by script_id) c
        where c.script_id = s.id`,
      [corpId],
    );
    for (const t of ID_TABLES) {
      await client.query(
        `select setval(pg_get_serial_sequence('${t}', 'id'), greatest((select max(id) from ${t}), 1))`,
      );
    }
    await client.query('commit');
    await client.query('analyze');
    const rows = Object.values(counts).reduce((a, b) => a + b, 0);
    return { corpId: base.corps! + 1, skipped: false, rows, counts, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

/** Rough total rows for a progress bar. */
export function expectedRows(name: Scale['name']): number {
  const s = SCALES[name];
  return (
    s.customers * (1 + 3.3 + 1.15 + 3.5 + 2.2) +
    s.orders * 2.6 +
    s.customers * s.interactionsPerCustomer +
    s.stores * s.stylesPerStore * 15
  );
}
