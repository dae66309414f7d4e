import { randomUUID } from 'node:crypto';
import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

/** BullMQ needs maxRetriesPerRequest: null on connections used by workers. */
export function createRedis(url: string, opts: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false, ...opts });
}

/**
 * Options for a connection BullMQ makes (and closes) itself, to the same server as `redis`:
 * for workers and event listeners, which block on their own connection.
 */
export function ownConnection(redis: Redis): ConnectionOptions {
  const { host, port, family, db, username, password, tls } = redis.options;
  return { host, port, family, db, username, password, tls, maxRetriesPerRequest: null };
}

/** Deletes a lock only if this holder still owns it (it may have expired and been taken by another). */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/** Flights under way in this process, per connection and lock key. */
const flights = new WeakMap<Redis, Map<string, Promise<unknown>>>();

interface FlightOptions<T> {
  ttlMs: number;
  pollMs?: number;
  landed: () => Promise<T | null>;
}

/**
 * Single-flight within this process and across processes. Concurrent callers in this process with
 * the same key share one flight. Across processes, the holder of a Redis lock does `work`, which
 * stores its result where `landed` finds it; the others poll `landed` until it appears, and do the
 * work themselves should the holder die (the lock lapses after `ttlMs`). `landed` is checked once
 * more after the lock is taken, so a result stored meanwhile is not fetched twice.
 */
export function singleFlight<T>(redis: Redis, key: string, opts: FlightOptions<T>, work: () => Promise<T>): Promise<T> {
  let here = flights.get(redis);
  if (!here) flights.set(redis, (here = new Map()));
  const running = here.get(key) as Promise<T> | undefined;
  if (running) return running;
  const flight = acrossProcesses(redis, key, opts, work).finally(() => here.delete(key));
  here.set(key, flight);
  return flight;
}

async function acrossProcesses<T>(
  redis: Redis,
  key: string,
  opts: FlightOptions<T>,
  work: () => Promise<T>,
): Promise<T> {
  const pollMs = opts.pollMs ?? 25;
  const token = randomUUID();
  let held = false;
  try {
    for (let waited = 0; ; waited += pollMs) {
      if ((await redis.set(key, token, 'PX', opts.ttlMs, 'NX')) === 'OK') {
        held = true;
        break;
      }
      if (waited >= opts.ttlMs) break;
      await new Promise((res) => setTimeout(res, pollMs));
      const v = await opts.landed();
      if (v !== null) return v;
    }
    const v = await opts.landed();
    if (v !== null) return v;
    return await work();
  } finally {
    if (held) await redis.eval(RELEASE, 1, key, token);
  }
}
