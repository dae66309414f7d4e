/**
 * The faults, one tenant each, on one shared stack. Each case sends facts, strikes, and returns
 * what its facts must end as; the runner settles the queues and checks the invariants.
 */
import { sleep, waitFor, type FaultStack } from './stack';
import {
  Expected,
  attributionRunning,
  creditedSoFar,
  makeFacts,
  postBatch,
  postUntilAccepted,
  sandboxTransfer,
  scanAndRedeliver,
  seedTenant,
  type Tenant,
} from './tenant';

export interface CaseOutcome {
  t: Tenant;
  exp: Expected;
  /** How long the queues may take to settle after the fault. */
  settleMs: number;
  /** Problems the case saw while striking (e.g. the fault did not happen as planned). */
  notes: string[];
  /** Waits, after settling, for facts that arrive later by themselves (e.g. the next bill poll). */
  after?: () => Promise<void>;
}

export interface FaultCase {
  name: string;
  quick: boolean;
  what: string;
  run: (stack: FaultStack) => Promise<CaseOutcome>;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Batches queued while no worker runs, so that the fault lands while their jobs run. */
async function queueBatches(stack: FaultStack, t: Tenant, exp: Expected, batches: number, size: number) {
  await stack.kill('workers', 'SIGTERM');
  await Promise.all(
    range(batches).map((b) =>
      postUntilAccepted(stack, t, { batchId: `${t.name}-${b}`, ...makeFacts(t, exp, b * size, size) }),
    ),
  );
  await stack.startProcess('workers');
}

export const cases: FaultCase[] = [
  {
    name: 'worker-kill-9',
    quick: true,
    what: 'kill -9 the workers while attribute jobs run, start them again',
    run: async (stack) => {
      const t = await seedTenant(stack, 'kill9');
      const exp = new Expected();
      const notes: string[] = [];
      await queueBatches(stack, t, exp, 10, 40);
      await attributionRunning(stack);
      await stack.kill('workers', 'SIGKILL');
      const credited = await creditedSoFar(stack, t);
      if (credited >= exp.orders.size) notes.push('every order was credited before the kill: nothing was mid-batch');
      await stack.startProcess('workers');
      // A job the dead worker held is taken back once its lock lapses (BullMQ's stalled-job check, ~30–60 s).
      return { t, exp, settleMs: 120_000, notes };
    },
  },
  {
    name: 'api-exit-after-commit',
    quick: true,
    what: 'the API dies between the facts’ commit and the enqueue; the POS system retries the batch',
    run: async (stack) => {
      const t = await seedTenant(stack, 'apiexit');
      const exp = new Expected();
      const notes: string[] = [];
      await stack.kill('api', 'SIGTERM');
      await stack.startProcess('api', { GP_FAULT_EXIT_AFTER_COMMIT: '1' });
      const first = { batchId: 'apiexit-1', ...makeFacts(t, exp, 0, 40) };
      const status = await postBatch(stack, t, first);
      await stack.exited('api');
      if (status !== 0) notes.push(`the API answered ${status} instead of dying after the commit`);
      await stack.startProcess('api');
      await postUntilAccepted(stack, t, first);
      await postUntilAccepted(stack, t, { batchId: 'apiexit-2', ...makeFacts(t, exp, 40, 40) });
      return { t, exp, settleMs: 60_000, notes };
    },
  },
  {
    name: 'api-exit-no-resend',
    quick: false,
    what: 'the API dies between the facts’ commit and the enqueue, and nobody re-sends the batch',
    run: async (stack) => {
      const t = await seedTenant(stack, 'apilone');
      const exp = new Expected();
      const notes: string[] = [];
      await stack.kill('api', 'SIGTERM');
      await stack.startProcess('api', { GP_FAULT_EXIT_AFTER_COMMIT: '1' });
      const status = await postBatch(stack, t, { batchId: 'apilone-1', ...makeFacts(t, exp, 0, 40) });
      await stack.exited('api');
      if (status !== 0) notes.push(`the API answered ${status} instead of dying after the commit`);
      await stack.startProcess('api');
      // Only what the commit itself left behind can bring these orders to a decision.
      return { t, exp, settleMs: 180_000, notes };
    },
  },
  {
    name: 'redis-restart',
    quick: false,
    what: 'Redis restarts empty with attribute jobs waiting; then a transfer only the bill poll schedule can bring',
    run: async (stack) => {
      const t = await seedTenant(stack, 'redis');
      const exp = new Expected();
      const notes: string[] = [];
      await stack.kill('workers', 'SIGTERM');
      await Promise.all(
        range(8).map((b) => postUntilAccepted(stack, t, { batchId: `redis-${b}`, ...makeFacts(t, exp, b * 40, 40) })),
      );
      const waiting = await stack.queues.queue('attribution').getWaitingCount();
      if (waiting === 0) notes.push('no attribute job was waiting when Redis went away');
      await stack.startProcess('workers');
      await stack.restartRedis();
      // The workers were not restarted: their schedules must come back by themselves.
      try {
        await waitFor('the schedules to be back in Redis', 90_000, async () =>
          (await stack.queues.queue('wecom').getJobSchedulersCount()) >= 5 ? true : undefined,
        );
      } catch (err) {
        notes.push(String(err));
      }
      await sandboxTransfer(stack, t, exp, 26_800);
      return {
        t,
        exp,
        settleMs: 120_000,
        notes,
        after: async () => {
          // The bill poll runs every 10 s here; give it a few rounds.
          await waitFor('the transfer to be credited', 60_000, async () => {
            const [r] = await stack
              .db('credits as c')
              .join('transfers as tr', 'tr.id', 'c.transfer_id')
              .where({ 'c.corp_id': t.corp.id })
              .whereIn('tr.transaction_id', [...exp.transfers.keys()])
              .count<{ n: string }[]>('* as n');
            return Number(r?.n) > 0 ? true : undefined;
          }).catch(() => undefined);
        },
      };
    },
  },
  {
    name: 'postgres-down-60s',
    quick: false,
    what: 'PostgreSQL stops for 60 s while attribute jobs run',
    run: async (stack) => {
      const t = await seedTenant(stack, 'pgdown');
      const exp = new Expected();
      const notes: string[] = [];
      await queueBatches(stack, t, exp, 12, 40);
      await attributionRunning(stack);
      stack.stopPg('fast');
      const left = await stack.queues.queue('attribution').getJobCounts('waiting', 'active', 'delayed');
      if (Object.values(left).every((n) => n === 0)) notes.push('no attribute job was left when PostgreSQL stopped');
      await sleep(60_000);
      stack.startPg();
      return { t, exp, settleMs: 240_000, notes };
    },
  },
  {
    name: 'duplicates-out-of-order',
    quick: false,
    what: 'POS batches twice, concurrently, in reverse order and re-sent under new ids, refunds before orders; callbacks twice and out of order',
    run: async (stack) => {
      const t = await seedTenant(stack, 'dup');
      const exp = new Expected();
      const f = makeFacts(t, exp, 0, 120);
      const [a, b, c] = [f.orders.slice(0, 40), f.orders.slice(40, 80), f.orders.slice(80)];
      await postUntilAccepted(stack, t, { batchId: 'dup-refunds', refunds: f.refunds });
      await Promise.all([
        postUntilAccepted(stack, t, { batchId: 'dup-c', orders: c }),
        postUntilAccepted(stack, t, { batchId: 'dup-b', orders: b }),
        postUntilAccepted(stack, t, { batchId: 'dup-a', orders: a }),
        postUntilAccepted(stack, t, { batchId: 'dup-c', orders: c }),
        postUntilAccepted(stack, t, { batchId: 'dup-a-again', orders: [...a, ...b.slice(0, 10)] }),
        postUntilAccepted(stack, t, { batchId: 'dup-refunds-again', refunds: f.refunds.slice().reverse() }),
      ]);
      for (const k of range(4)) await scanAndRedeliver(stack, t, exp, k);
      // WeCom's own delivery of each scan is asynchronous: let the sandbox finish delivering.
      await waitFor('the sandbox to deliver its callbacks', 30_000, async () => {
        const r = await fetch(`${stack.sandbox.url}/sandbox/api/corps/${t.corp.wecomCorpId}/callbacks`);
        const log = (await r.json()) as { status: string }[];
        return log.length >= 4 && log.every((e) => e.status !== 'pending') ? true : undefined;
      });
      return { t, exp, settleMs: 90_000, notes: [] };
    },
  },
];
