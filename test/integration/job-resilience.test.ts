import { afterEach, describe, expect, it } from 'vitest';
import { attributeJob } from '../../core/jobs/attribution.jobs';
import { QUEUES, type JobDef } from '../../core/jobs/job';
import { pollBillsJob, syncTagsJob } from '../../core/jobs/wecom.jobs';
import { processor, type Processor } from '../../workers/processor';
import { allProcessors } from '../../workers/registry';
import { startWorkers, type RunningWorkers } from '../../workers/runtime';
import { installSchedules, keepSchedules, schedules } from '../../workers/schedules';
import { useTestContext } from '../helpers/context';

const t = useTestContext();
let workers: RunningWorkers | undefined;
let keeper: { stop: () => void } | undefined;

afterEach(async () => {
  keeper?.stop();
  keeper = undefined;
  await workers?.close();
  workers = undefined;
  // Schedules leave delayed jobs behind, which a drain would wait for.
  for (const q of QUEUES) await t.ctx.queues.queue(q).obliterate({ force: true });
});

/** The real processors, with `def`'s replaced. */
function withProcessor(def: JobDef, run: Processor['run']): Processor[] {
  return allProcessors.map((p) => (p.def.name === def.name ? processor(def, run) : p));
}

/** What a Redis restart without persistence leaves of this file's queues: nothing. */
async function wipeRedis(): Promise<void> {
  const keys = await t.ctx.redis.keys(`${t.ctx.queues.prefix}:*`);
  if (keys.length) await t.ctx.redis.del(...keys);
}

async function installedSchedules(): Promise<string[]> {
  const ids: string[] = [];
  for (const q of ['wecom', 'maintenance'] as const)
    ids.push(...(await t.ctx.queues.queue(q).getJobSchedulers()).map((s) => s.key));
  return ids.sort();
}

describe('schedules survive Redis losing its data', () => {
  const all = () => schedules(t.ctx.cfg).map((s) => s.id);

  it('a periodic check installs the schedules again without restarting the workers', async () => {
    await installSchedules(t.ctx);
    expect(await installedSchedules()).toEqual(all().sort());
    keeper = keepSchedules(t.ctx, { checkEveryMs: 50 });
    await wipeRedis();
    expect(await installedSchedules()).toEqual([]);
    await expect.poll(installedSchedules, { timeout: 5_000, interval: 25 }).toEqual(all().sort());
    // The check leaves schedules it finds alone: the next run of each keeps its time.
    const next = await t.ctx.queues.queue('wecom').getJobScheduler('wecom-bills');
    await expect
      .poll(async () => (await t.ctx.queues.queue('wecom').getJobScheduler('wecom-bills'))?.next)
      .toBe(next?.next);
  });

  it('a reconnect to Redis installs them again at once', async () => {
    await installSchedules(t.ctx);
    keeper = keepSchedules(t.ctx, { checkEveryMs: 3_600_000 });
    await wipeRedis();
    t.ctx.redis.disconnect(true); // what the connection sees when Redis restarts
    await expect.poll(installedSchedules, { timeout: 5_000, interval: 25 }).toEqual(all().sort());
  });
});

describe.each([
  ['bill poll', pollBillsJob],
  ['corp tag sync', syncTagsJob],
])('the %s: collapsed while waiting, never dropped, never two at once', (_label, def) => {
  it('a second one asked for in the same minute, after the first ran, runs too', async () => {
    let runs = 0;
    workers = startWorkers(t.ctx, { processors: withProcessor(def, async () => void runs++) });
    await t.ctx.queues.enqueue(def, { corpId: 1 });
    await t.ctx.queues.drain();
    await t.ctx.queues.enqueue(def, { corpId: 1 });
    await t.ctx.queues.drain();
    expect(runs).toBe(2);
  });

  it('asked for while one waits: the same job; while one runs: one more after it', async () => {
    await t.ctx.queues.enqueue(def, { corpId: 1 });
    await t.ctx.queues.enqueue(def, { corpId: 1 });
    await t.ctx.queues.enqueue(def, { corpId: 2 });
    expect(await t.ctx.queues.queue('wecom').getJobCountByTypes('waiting')).toBe(2);
    await t.ctx.queues.queue('wecom').obliterate({ force: true });

    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let active = 0;
    let most = 0;
    let runs = 0;
    let started!: () => void;
    const first = new Promise<void>((r) => (started = r));
    workers = startWorkers(t.ctx, {
      processors: withProcessor(def, async () => {
        most = Math.max(most, ++active);
        runs++;
        started();
        if (runs === 1) await held;
        active--;
      }),
    });
    await t.ctx.queues.enqueue(def, { corpId: 1 });
    await first;
    // Asked for three times while the first runs: it may have read before what they ask about.
    for (let i = 0; i < 3; i++) await t.ctx.queues.enqueue(def, { corpId: 1 });
    release();
    await expect.poll(() => runs, { timeout: 5_000, interval: 20 }).toBe(2);
    await t.ctx.queues.drain();
    expect(runs).toBe(2);
    expect(most).toBe(1);
  });
});

describe('retries', () => {
  it("a job that fails while the database is away is retried with the policy's backoff until it succeeds", async () => {
    const attempts: number[] = [];
    workers = startWorkers(t.ctx, {
      processors: withProcessor(attributeJob, async ({ job }) => {
        attempts.push(Date.now());
        if (job.attemptsMade < 2) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      }),
    });
    const id = await t.ctx.queues.enqueue(attributeJob, { corpId: 1, orderIds: [1], reason: 'test' });
    await t.ctx.queues.drain();
    const job = await t.ctx.queues.queue('attribution').getJob(id);
    expect(await job?.getState()).toBe('completed');
    expect(attempts).toHaveLength(3);
    // 500 ms then 1 s, less at most 20% jitter.
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(400);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(800);
  });
});
