/**
 * Named prepared statements for the hottest reads (the sidebar opening a chat). Their plans are
 * made once per connection: the statements join a dozen tables, including the monthly
 * partitions of interactions, and planning them costs several times more than running them.
 * Connections use generic plans for named statements (see createDb), so partitions are pruned
 * at execution time from the parameters.
 */
import type pg from 'pg';
import type { Db } from './knex';

export interface Prepared {
  name: string;
  text: string;
}

/** `:name` placeholders → `$n`, in order of first use; the statement keeps its parameter order. */
export function prepare(name: string, sql: string): Prepared & { params: string[] } {
  const params: string[] = [];
  const text = sql.replace(/(?<!:):([a-zA-Z]\w*)/g, (_m, p: string) => {
    let i = params.indexOf(p);
    if (i < 0) i = params.push(p) - 1;
    return `$${i + 1}`;
  });
  return { name, text, params };
}

export async function runPrepared<T>(
  db: Db,
  stmt: Prepared & { params: string[] },
  values: Record<string, unknown>,
): Promise<T[]> {
  const missing = stmt.params.find((p) => !(p in values));
  if (missing) throw new Error(`${stmt.name}: no value for :${missing}`);
  const client = (await db.client.acquireConnection()) as pg.Client;
  try {
    const r = await client.query<T & pg.QueryResultRow>({
      name: stmt.name,
      text: stmt.text,
      values: stmt.params.map((p) => values[p]),
    });
    return r.rows;
  } finally {
    await db.client.releaseConnection(client);
  }
}
