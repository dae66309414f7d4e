/**
 * The boards' answers, kept until their tenant's data changes. A board (levels, trend, rankings)
 * is a function of the tenant's rollups, org and sources and of the viewer's scope and question,
 * nothing else: no clock, no per-user state. So an answer is kept, checked against its contract
 * and serialised once (PreparedJson), under its tenant's generation.
 *
 * The generation moves when PostgreSQL says the tenant changed: statement triggers on every table
 * a board reads (migration 20261201018000, `BOARD_SOURCES`) notify `gp_board_changes` with the
 * tenants a transaction touched, and PostgreSQL delivers that only when the transaction commits.
 * An answer is stored under the generation read before it was computed; if a commit lands while
 * it is computed, that commit's notification arrives after the read and moves the generation, so
 * the answer — which may predate the commit — is never served again.
 *
 * Read after commit: before it reads a generation, every request waits for one round trip on the
 * listening connection that started after the request arrived. PostgreSQL sends a connection its
 * pending notifications before it answers, so by then every commit that finished before the
 * request has been heard: a board never shows less than what was committed before it was asked.
 * Concurrent requests share the round trip (one in flight, the next queued behind it).
 *
 * Without a live LISTEN connection (before the first board, after a lost connection, while the
 * database is away) every board is computed afresh and nothing is kept; a reconnect starts empty.
 * Concurrent askers of one answer share one computation. One cache per API process.
 */
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import type { z } from 'zod';
import { PreparedJson } from '../http/prepared-json';
import type { Logger } from '../logger';

export const BOARD_CHANNEL = 'gp_board_changes';
/** The tables the cached boards read; each notifies BOARD_CHANNEL (test/integration/board-cache.test.ts holds the two equal). */
export const BOARD_SOURCES = [
  'daily_credits',
  'daily_store_sales',
  'daily_activity',
  'daily_reach',
  'regions',
  'stores',
  'guides',
  'orders',
  'sync_cursors',
  'corps',
] as const;

const MAX_BYTES = 128 * 1024 * 1024;
const RETRY_MS = 2_000;

interface Entry {
  stamp: string;
  value: PreparedJson;
}

export class BoardCache {
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private trip: Promise<boolean> | null = null;
  private nextTrip: Promise<boolean> | null = null;
  private retryAt = 0;
  private closed = false;
  /** Moves on every (re)connect, loss and change of every tenant: answers from before are void. */
  private epoch = 0;
  private readonly gens = new Map<number, number>();
  private readonly waiters = new Set<() => void>();
  private readonly entries = new LRUCache<string, Entry>({
    maxSize: MAX_BYTES,
    sizeCalculation: (e, key) => e.value.body.length + key.length,
  });
  private readonly inflight = new Map<string, Promise<PreparedJson>>();
  readonly stats = { hits: 0, misses: 0, uncached: 0 };

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {}

  /**
   * The answer for `key` of tenant `corpId`: kept if its tenant has not changed since it was
   * computed, else computed by `compute`, checked against `schema`, and kept.
   */
  async answer<S extends z.core.$ZodType>(
    corpId: number,
    key: string,
    schema: S,
    compute: () => Promise<z.input<S>>,
  ): Promise<PreparedJson<z.input<S>>> {
    const prepare = async () => PreparedJson.of(schema, await compute(), `board ${key}`);
    if (!(await this.heard())) {
      this.stats.uncached++;
      return prepare();
    }
    const stamp = this.stamp(corpId);
    const full = `${corpId}|${key}`;
    const hit = this.entries.get(full);
    if (hit && hit.stamp === stamp) {
      this.stats.hits++;
      return hit.value as PreparedJson<z.input<S>>;
    }
    const flight = `${full}|${stamp}`;
    let p = this.inflight.get(flight);
    if (!p) {
      this.stats.misses++;
      p = prepare().then((value) => {
        if (this.client && this.stamp(corpId) === stamp) this.entries.set(full, { stamp, value });
        return value;
      });
      const done = () => this.inflight.delete(flight);
      p.then(done, done);
      this.inflight.set(flight, p);
    }
    return p as Promise<PreparedJson<z.input<S>>>;
  }

  /** Resolves at the next change notification (or loss of the listener): tests wait on it, never on time. */
  nextChange(): Promise<void> {
    return new Promise((resolve) => this.waiters.add(resolve));
  }

  /**
   * Whether the listener is up (starting it at the first call) and has heard every commit that
   * finished before this call: resolves after a round trip on its connection begun after the call.
   */
  async heard(): Promise<boolean> {
    if (!this.client) {
      if (this.closed || Date.now() < this.retryAt) return false;
      this.connecting ??= this.connect().finally(() => (this.connecting = null));
      await this.connecting;
      return this.client !== null; // LISTEN was its round trip
    }
    if (!this.trip) return (this.trip = this.roundTrip(this.client));
    // One is in flight, begun maybe before this call: wait for the one after it.
    this.nextTrip ??= this.trip.then(() => {
      this.nextTrip = null;
      return this.heard();
    });
    return this.nextTrip;
  }

  private roundTrip(c: pg.Client): Promise<boolean> {
    return c.query('select 1').then(
      () => {
        this.trip = null;
        return this.client === c;
      },
      () => {
        this.trip = null;
        this.drop(c);
        return false;
      },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting;
    const c = this.client;
    this.drop(c);
    await c?.end().catch(() => undefined);
  }

  private stamp(corpId: number): string {
    return `${this.epoch}.${this.gens.get(corpId) ?? 0}`;
  }

  private async connect(): Promise<void> {
    const c = new pg.Client({ connectionString: this.databaseUrl, application_name: 'guidepost board cache' });
    c.on('notification', (m) => {
      if (m.channel !== BOARD_CHANNEL || this.client !== c) return;
      if (!m.payload || m.payload === '*') this.epoch++;
      else for (const id of m.payload.split(',')) this.gens.set(Number(id), (this.gens.get(Number(id)) ?? 0) + 1);
      this.wake();
    });
    c.on('error', (err) => {
      this.logger.warn({ err: err.message }, 'board cache: listener lost, boards computed afresh until it is back');
      this.drop(c);
      c.end().catch(() => undefined);
    });
    c.on('end', () => this.drop(c));
    try {
      await c.connect();
      await c.query(`listen ${BOARD_CHANNEL}`);
      if (this.closed) {
        await c.end();
        return;
      }
      this.epoch++;
      this.entries.clear();
      this.client = c;
    } catch (err) {
      this.retryAt = Date.now() + RETRY_MS;
      this.logger.warn({ err: (err as Error).message }, 'board cache: cannot listen, boards computed afresh');
      await c.end().catch(() => undefined);
    }
  }

  private drop(c: pg.Client | null): void {
    if (!c || this.client !== c) return;
    this.client = null;
    this.epoch++;
    this.entries.clear();
    this.wake();
  }

  private wake(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
}
