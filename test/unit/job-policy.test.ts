import { describe, expect, it } from 'vitest';
import { BACKOFF_TYPE, backoffStrategy, queuePolicy, retryDelayMs, retrySpanMs } from '../../core/jobs/policy';

describe('retry policy', () => {
  it.each(['attribution', 'ingest', 'wecom'] as const)(
    '%s jobs keep retrying for more than five minutes, so a one-minute database outage is ridden out',
    (queue) => {
      expect(queuePolicy[queue].defaultJobOptions.backoff).toMatchObject({ type: BACKOFF_TYPE });
      expect(retrySpanMs(queue)).toBeGreaterThan(5 * 60_000);
      // The first retries come quickly; none waits longer than the queue's cap.
      expect(retryDelayMs(queue, 1)).toBeLessThanOrEqual(2_000);
      const attempts = queuePolicy[queue].defaultJobOptions.attempts!;
      for (let made = 1; made < attempts; made++)
        expect(retryDelayMs(queue, made)).toBeLessThanOrEqual(queuePolicy[queue].maxDelayMs);
      expect(retryDelayMs(queue, attempts - 1)).toBe(queuePolicy[queue].maxDelayMs);
    },
  );

  it('the strategy doubles from the job’s delay, jitters down by at most 20%, and holds the cap', () => {
    const job = (queueName: string, delay: number) => ({ queueName, opts: { backoff: { type: BACKOFF_TYPE, delay } } });
    for (let i = 0; i < 200; i++) {
      const d1 = backoffStrategy(1, BACKOFF_TYPE, undefined, job('attribution', 500));
      expect(d1).toBeGreaterThanOrEqual(400);
      expect(d1).toBeLessThanOrEqual(500);
      const d4 = backoffStrategy(4, BACKOFF_TYPE, undefined, job('ingest', 1_000));
      expect(d4).toBeGreaterThanOrEqual(6_400);
      expect(d4).toBeLessThanOrEqual(8_000);
      const capped = backoffStrategy(30, BACKOFF_TYPE, undefined, job('wecom', 2_000));
      expect(capped).toBeGreaterThanOrEqual(48_000);
      expect(capped).toBeLessThanOrEqual(60_000);
    }
  });
});
