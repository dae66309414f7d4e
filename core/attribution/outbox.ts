/**
 * The attribution outbox: no stored fact is left without a decision, whatever fails between its
 * commit and its credit.
 *
 * - `requestAttribution(trx, …)` runs in the transaction that stores the facts and records, per
 *   subject (order, customer, transfer bill), that an attribution is owed, and which fact caused it.
 * - `enqueueAttribution(ctx, …)` runs after the commit: it queues the job that pays the debt. When it
 *   fails (Redis down, the process dies first) nothing is lost: the row is still there.
 * - The attribute job reads the rows of its subjects before it reads any fact (`pendingOf`), and
 *   `settle` deletes only rows unchanged since (a fact stored during the run bumps `seq`).
 * - `sweepPending` (a schedule) re-enqueues every row whose `due_at` has passed — lost jobs, jobs failed
 *   after their retries, crashes between commit and enqueue — backing off each time.
 */
import type { AppContext } from '../context';
import type { Db } from '../db/knex';
import { attributeJob, type Cause } from '../jobs/attribution.jobs';

export type { Cause };

export type Subject = 'order' | 'customer' | 'transfer';

/** One subject owed an attribution, and the fact that made it owed. */
export interface Owed {
  subject: Subject;
  id: number;
  cause: Cause;
}

/** These subjects, all owed because of one fact; `self`: each subject is its own cause (a new order, a new bill). */
export function owe(subject: Subject, ids: number[], cause: Cause | 'self'): Owed[] {
  return ids.map((id) => ({
    subject,
    id,
    cause: cause === 'self' ? { kind: subject === 'transfer' ? 'transfer' : 'order', id: String(id) } : cause,
  }));
}

/** How long a queued job has to settle its rows before the sweep queues them again. */
const GRACE_S = 60;
const ID_CHUNK = 1_000;
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * Records, in the caller's transaction, that these subjects are owed an attribution. A subject already
 * owed keeps its `first_at` (the age of the oldest undecided fact) and gets a new `seq`, so a run that
 * read it before this change does not settle it. `queued`: the caller enqueues after the commit, so the
 * sweep leaves the row to that job for a grace period.
 */
export async function requestAttribution(
  trx: Db,
  corpId: number,
  owed: Owed[],
  reason: string,
  opts: { queued: boolean },
): Promise<void> {
  // One row per subject (the last cause named wins), in key order so concurrent writers never deadlock.
  const unique = [...new Map(owed.map((o) => [`${o.subject}:${o.id}`, o])).values()].sort(
    (x, y) => x.subject.localeCompare(y.subject) || x.id - y.id,
  );
  for (let i = 0; i < unique.length; i += 10 * ID_CHUNK) {
    const part = unique.slice(i, i + 10 * ID_CHUNK);
    await trx.raw(
      `insert into attribution_pending (corp_id, subject, subject_id, cause_kind, cause_id, reason, due_at)
       select ?, u.subject, u.id, u.cause_kind, u.cause_id, ?, now() + make_interval(secs => ?)
         from unnest(?::attribution_subject[], ?::bigint[], ?::text[], ?::text[]) as u(subject, id, cause_kind, cause_id)
       on conflict (corp_id, subject, subject_id) do update
         set seq = nextval('attribution_pending_seq'), cause_kind = excluded.cause_kind, cause_id = excluded.cause_id,
             reason = excluded.reason, due_at = least(attribution_pending.due_at, excluded.due_at)`,
      [
        corpId,
        clip(reason, 256),
        opts.queued ? GRACE_S : 0,
        part.map((o) => o.subject),
        part.map((o) => o.id),
        part.map((o) => o.cause.kind),
        part.map((o) => o.cause.id) as string[], // nulls bind as SQL null
      ],
    );
  }
}

/**
 * Queues the attribution of what a committed transaction recorded as owed. Never throws for a queue
 * that is down: the outbox row is the promise, the sweep keeps it.
 */
export async function enqueueAttribution(
  ctx: Pick<AppContext, 'queues' | 'logger'>,
  corpId: number,
  owed: Owed[],
  reason: string,
  opts: { requestId?: string } = {},
): Promise<void> {
  if (owed.length === 0) return;
  const payloads = [];
  const causes = new Set(owed.map((o) => `${o.cause.kind}:${o.cause.id}`));
  const cause = causes.size === 1 ? owed[0]!.cause : undefined;
  for (const subject of ['order', 'customer', 'transfer'] as const) {
    const ids = [...new Set(owed.filter((o) => o.subject === subject).map((o) => o.id))];
    const field = subject === 'order' ? 'orderIds' : subject === 'customer' ? 'customerIds' : 'transferIds';
    for (let i = 0; i < ids.length; i += ID_CHUNK)
      payloads.push({
        corpId,
        [field]: ids.slice(i, i + ID_CHUNK),
        ...(cause ? { cause } : {}),
        reason: clip(reason, 200),
      });
  }
  try {
    if (payloads.length === 1) await ctx.queues.enqueue(attributeJob, payloads[0]!, opts);
    else await ctx.queues.enqueueMany(attributeJob, payloads, opts);
  } catch (err) {
    ctx.logger.warn(
      { err: err instanceof Error ? err.message : String(err), corpId, reason },
      'attribution not queued; the outbox sweep will queue it',
    );
  }
}

/** Both steps for a caller with no transaction of its own: record, then queue. */
export async function requestAndEnqueue(
  ctx: AppContext,
  corpId: number,
  owed: Owed[],
  reason: string,
  opts: { requestId?: string } = {},
): Promise<void> {
  await requestAttribution(ctx.db, corpId, owed, reason, { queued: true });
  await enqueueAttribution(ctx, corpId, owed, reason, opts);
}

export interface PendingRow {
  subject: Subject;
  subject_id: number;
  seq: number;
  cause_kind: Cause['kind'];
  cause_id: string | null;
}

/** The owed rows of a job's subjects, read before the job reads any fact. */
export async function pendingOf(
  db: Db,
  corpId: number,
  r: { orderIds?: number[]; customerIds?: number[]; transferIds?: number[] },
): Promise<PendingRow[]> {
  const rows = await db.raw<{ rows: PendingRow[] }>(
    `select subject, subject_id, seq, cause_kind, cause_id from attribution_pending
      where corp_id = ? and ((subject = 'order' and subject_id = any(?::bigint[]))
         or (subject = 'customer' and subject_id = any(?::bigint[])) or (subject = 'transfer' and subject_id = any(?::bigint[])))`,
    [corpId, r.orderIds ?? [], r.customerIds ?? [], r.transferIds ?? []],
  );
  return rows.rows.map((x) => ({ ...x, subject_id: Number(x.subject_id), seq: Number(x.seq) }));
}

/** Deletes the rows a run has paid: only those unchanged since it read them. */
export async function settle(db: Db, corpId: number, rows: PendingRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const r = await db.raw(
    `delete from attribution_pending p using unnest(?::attribution_subject[], ?::bigint[], ?::bigint[]) as s(subject, id, seq)
      where p.corp_id = ? and p.subject = s.subject and p.subject_id = s.id and p.seq = s.seq`,
    [rows.map((x) => x.subject), rows.map((x) => x.subject_id), rows.map((x) => x.seq), corpId],
  );
  return (r as { rowCount: number }).rowCount;
}

/** Notes a failed run on its rows (best effort: the database may be what failed). */
export async function noteFailure(db: Db, corpId: number, rows: PendingRow[], err: unknown): Promise<void> {
  if (rows.length === 0) return;
  const message = clip(err instanceof Error ? err.message : String(err), 512);
  await db
    .raw(
      `update attribution_pending p set last_error = ? from unnest(?::attribution_subject[], ?::bigint[]) as s(subject, id)
        where p.corp_id = ? and p.subject = s.subject and p.subject_id = s.id`,
      [message, rows.map((x) => x.subject), rows.map((x) => x.subject_id), corpId],
    )
    .catch(() => undefined);
}

/**
 * Queues every owed subject whose `due_at` has passed, grouped by tenant, subject and cause, and moves
 * its `due_at` on by a back-off that doubles per attempt. Returns how many subjects it queued.
 */
export async function sweepPending(ctx: AppContext, limit = 20_000): Promise<number> {
  const due = await ctx.db.transaction(async (trx) => {
    const r = await trx.raw<{ rows: (PendingRow & { corp_id: number; reason: string })[] }>(
      `with d as (
         select corp_id, subject, subject_id from attribution_pending where due_at <= now()
          order by due_at limit ? for update skip locked)
       update attribution_pending p set attempts = p.attempts + 1,
              due_at = now() + make_interval(secs => least(? * power(2, p.attempts + 1), 1800))
         from d where p.corp_id = d.corp_id and p.subject = d.subject and p.subject_id = d.subject_id
       returning p.corp_id, p.subject, p.subject_id, p.seq, p.cause_kind, p.cause_id, p.reason`,
      [limit, GRACE_S],
    );
    return r.rows;
  });
  const byCorp = new Map<number, { owed: Owed[]; reason: string }>();
  for (const row of due) {
    const corpId = Number(row.corp_id);
    const g = byCorp.get(corpId) ?? { owed: [], reason: `${row.reason} (outbox sweep)` };
    g.owed.push({
      subject: row.subject,
      id: Number(row.subject_id),
      cause: { kind: row.cause_kind, id: row.cause_id },
    });
    byCorp.set(corpId, g);
  }
  for (const [corpId, g] of byCorp) await enqueueAttribution(ctx, corpId, g.owed, g.reason);
  return due.length;
}

export interface UndecidedReport {
  undecided: number;
  oldestAgeSeconds: number | null;
  failing: number;
}

/** How many subjects are owed an attribution, and since when the oldest has been (for /healthz). */
export async function undecided(db: Db): Promise<UndecidedReport> {
  const r = await db.raw<{ rows: { n: string; oldest: string | null; failing: string }[] }>(
    `select count(*) as n, extract(epoch from now() - min(first_at)) as oldest, count(*) filter (where last_error is not null) as failing
       from attribution_pending`,
  );
  const row = r.rows[0]!;
  return {
    undecided: Number(row.n),
    oldestAgeSeconds: row.oldest === null ? null : Math.round(Number(row.oldest)),
    failing: Number(row.failing),
  };
}
