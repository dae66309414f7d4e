import { undecided, type UndecidedReport } from './attribution/outbox';
import type { AppContext } from './context';

export interface HealthReport {
  ok: boolean;
  services: { database: ServiceState; redis: ServiceState };
  /** Facts owed an attribution: how many subjects, the age of the oldest, how many last failed. */
  attribution: UndecidedReport | null;
}
type ServiceState = { ok: true; latencyMs: number } | { ok: false; error: string };

async function probe(fn: () => Promise<unknown>, timeoutMs: number): Promise<ServiceState> {
  const t0 = performance.now();
  try {
    await Promise.race([
      fn(),
      new Promise((_, rej) => setTimeout(() => rej(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    return { ok: true, latencyMs: Math.round((performance.now() - t0) * 10) / 10 };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export async function checkHealth(ctx: Pick<AppContext, 'db' | 'redis'>, timeoutMs = 1500): Promise<HealthReport> {
  const [database, redis] = await Promise.all([
    probe(() => ctx.db.raw('select 1'), timeoutMs),
    probe(() => ctx.redis.ping(), timeoutMs),
  ]);
  const attribution = database.ok ? await undecided(ctx.db).catch(() => null) : null;
  return { ok: database.ok && redis.ok, services: { database, redis }, attribution };
}
