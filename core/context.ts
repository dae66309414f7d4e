import type { Redis } from 'ioredis';
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
}

export function createContext(cfg: Config, name: string, overrides: Partial<AppContext> = {}): AppContext {
  const logger = overrides.logger ?? createLogger(cfg.LOG_LEVEL, name);
  const db = overrides.db ?? createDb(cfg.DATABASE_URL, { pool: { min: 0, max: cfg.DATABASE_POOL_MAX } });
  const redis = overrides.redis ?? createRedis(cfg.REDIS_URL);
  if (!overrides.redis) redis.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
  const queues = overrides.queues ?? new JobQueues(redis, cfg.QUEUE_PREFIX);
  const secrets = overrides.secrets ?? new SecretBox(cfg.SECRETS_KEY);
  return { cfg, db, redis, queues, logger, secrets };
}

export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.queues.close();
  await ctx.db.destroy();
  ctx.redis.disconnect();
}
