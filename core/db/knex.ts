import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

export type Db = Knex;

// int8 (bigint: money in fen, ids) → number. Amounts stay far below 2^53 fen.
pg.types.setTypeParser(20, (v) => Number(v));
// numeric → number (ratios, confidences)
pg.types.setTypeParser(1700, (v) => Number(v));
// date → 'YYYY-MM-DD' string, never a shifted JS Date
pg.types.setTypeParser(1082, (v) => v);

export function createDb(databaseUrl: string, opts: { pool?: { min: number; max: number } } = {}): Db {
  return knexFactory({
    client: 'pg',
    connection: databaseUrl,
    pool: {
      ...(opts.pool ?? { min: 0, max: 10 }),
      // Named prepared statements (core/db/prepared.ts) keep one generic plan per connection;
      // knex's own queries are unnamed and planned per execution as before. No JIT: compiling
      // costs ~70 ms, more than any of our statements gains from it (a board's rollup reads).
      afterCreate: (conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) => {
        conn.query('set plan_cache_mode = force_generic_plan; set jit = off').then(
          () => done(null, conn),
          (err: Error) => done(err, conn),
        );
      },
    },
    migrations: { tableName: 'knex_migrations' },
  });
}
