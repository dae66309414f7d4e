/**
 * The quick faults (worker kill -9, API death between commit and enqueue) in `npm test`, on the
 * fault suite's own PostgreSQL cluster and Redis. `npm run test:faults` runs every case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases } from './cases';
import { FaultStack } from './stack';
import { runCase } from './suite';
import { Expected, makeFacts, postUntilAccepted, seedTenant, settle, verify } from './tenant';

const lines: string[] = [];
const log = (l: string) => void lines.push(l);
let stack: FaultStack;

beforeAll(async () => {
  stack = new FaultStack({ log });
  await stack.start();
  await stack.startProcess('api');
  await stack.startProcess('workers');
});

afterAll(async () => {
  await stack?.stop();
});

describe('faults: every fact reaches one decision whatever fails', () => {
  it.each(cases.filter((c) => c.quick).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await runCase(stack, c, log);
    expect({ lost: r.lost, doubled: r.doubled, problems: r.problems }, lines.join('\n')).toEqual({
      lost: 0,
      doubled: 0,
      problems: [],
    });
  });

  it('the checks catch a credit above net, a rollup that drifted and an order left undecided', async () => {
    const t = await seedTenant(stack, 'calm');
    const exp = new Expected();
    await postUntilAccepted(stack, t, { batchId: 'calm-1', ...makeFacts(t, exp, 0, 12) });
    expect(await settle(stack, t, 60_000)).toBeNull();
    expect(await verify(stack, t, exp)).toEqual({ lost: 0, doubled: 0, problems: [] });

    const o = await stack.db('orders').where({ corp_id: t.corp.id, order_no: 'calm-1' }).first('id', 'net_fen');
    await stack
      .db('credits')
      .where({ order_id: o.id, kind: 'sale' })
      .whereNull('superseded_at')
      .increment('amount_fen', Number(o.net_fen));
    const v = await verify(stack, t, exp);
    expect(v.doubled).toBe(1);
    expect(v.problems).toContainEqual(expect.stringMatching(/^doubled: order calm-1 credited \d+ fen > net \d+$/));
    expect(v.problems).toContainEqual(expect.stringMatching(/^rollup .* holds .*, the ledger says/));

    await stack.db('attribution_outcomes').where({ order_id: o.id }).del();
    expect(await verify(stack, t, exp)).toMatchObject({
      lost: 1,
      problems: expect.arrayContaining(['lost: order calm-1 never decided']),
    });
  });
});
