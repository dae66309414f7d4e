/**
 * The quick faults (worker kill -9, API death between commit and enqueue) in `npm test`, on the
 * fault suite's own PostgreSQL cluster and Redis. `npm run test:faults` runs every case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases } from './cases';
import { FaultStack } from './stack';
import { runCase } from './suite';

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
});
