import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { loadConfig, type Config } from '../../core/config/env';
import { closeContext, createContext, type AppContext } from '../../core/context';
import { createLogger } from '../../core/logger';
import { cloneTemplate, dropDatabase } from './test-db';

export interface TestContext extends AppContext {
  dbName: string;
}

/** A context on its own cloned database and its own BullMQ prefix. */
export async function createTestContext(env: Record<string, string> = {}): Promise<TestContext> {
  const { name, url } = await cloneTemplate(inject('templateDb'));
  const cfg: Config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: url,
    QUEUE_PREFIX: `gpt-${randomBytes(5).toString('hex')}`,
    ...env,
  });
  const ctx = createContext(cfg, 'test', { logger: createLogger(cfg.LOG_LEVEL, 'test') });
  return Object.assign(ctx, { dbName: name });
}

export async function destroyTestContext(ctx: TestContext): Promise<void> {
  // Remove this file's BullMQ keys so Redis does not accumulate test queues.
  const keys = await ctx.redis.keys(`${ctx.queues.prefix}:*`);
  for (let i = 0; i < keys.length; i += 500) await ctx.redis.del(...keys.slice(i, i + 500));
  await closeContext(ctx);
  await dropDatabase(ctx.dbName);
}

/**
 * Registers beforeAll/afterAll for a test file and returns a handle whose `.ctx` is ready
 * inside tests: `const t = useTestContext(); it('…', () => t.ctx.db(...))`.
 */
export function useTestContext(env: Record<string, string> = {}): { readonly ctx: TestContext } {
  let ctx: TestContext | undefined;
  beforeAll(async () => {
    ctx = await createTestContext(env);
  });
  afterAll(async () => {
    if (ctx) await destroyTestContext(ctx);
  });
  return {
    get ctx(): TestContext {
      if (!ctx) throw new Error('test context used outside a test');
      return ctx;
    },
  };
}
