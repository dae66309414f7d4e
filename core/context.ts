import type { Redis } from 'ioredis';
import { BoardCache } from './boards/cache';
import type { Config } from './config/env';
import { SecretBox } from './crypto/secret-box';
import { createDb, type Db } from './db/knex';
import { JobQueues } from './jobs/queues';
import { createLogger, type Logger } from './logger';
import { createRedis } from './redis';

/** What api and workers share: one of each per process. */
export interface AppContext {
  cfg: Config;
  db: Db;
  redis: Redis;
  queues: JobQueues;
  logger: Logger;
  secrets: SecretBox;
  /** The boards' answers, kept until their tenant changes (listens only once a board is asked for). */
  boardCache: BoardCache;
}

export function createContext(cfg: Config, name: string, overrides: Partial<AppContext> = {}): AppContext {
  const logger = overrides.logger ?? createLogger(cfg.LOG_LEVEL, name);
  const db = overrides.db ?? createDb(cfg.DATABASE_URL, { pool: { min: 0, max: cfg.DATABASE_POOL_MAX } });
  const redis = overrides.redis ?? createRedis(cfg.REDIS_URL);
  if (!overrides.redis) redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  const queues = overrides.queues ?? new JobQueues(redis, cfg.QUEUE_PREFIX);
  const secrets = overrides.secrets ?? new SecretBox(cfg.SECRETS_KEY);
  // The listener must hear the database the boards read: the one the given pool connects to.
  const pooled = (db.client.config as { connection?: unknown }).connection;
  const boardCache =
    overrides.boardCache ?? new BoardCache(typeof pooled === 'string' ? pooled : cfg.DATABASE_URL, logger);
  return { cfg, db, redis, queues, logger, secrets, boardCache };
}

export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.queues.close();
  await ctx.boardCache.close();
  await ctx.db.destroy();
  ctx.redis.disconnect();
}
