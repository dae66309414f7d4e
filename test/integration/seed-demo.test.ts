import { describe, expect, it } from 'vitest';
import { seedTenant } from '../../sandbox/seed/seed';
import { useTestContext } from '../helpers/context';

const t = useTestContext();

describe('demo seed', () => {
  it('writes the demo tenant with consistent references, and a second run changes nothing', async () => {
    const { ctx } = t;
    const first = await seedTenant({
      databaseUrl: ctx.cfg.DATABASE_URL,
      secretsKey: ctx.cfg.SECRETS_KEY,
      scale: 'demo',
      anchor: new Date('2026-11-24T09:00:00+08:00'),
    });
    expect(first.skipped).toBe(false);
    const count = async (table: string) =>
      Number((await ctx.db(table).count<{ count: string }[]>('* as count'))[0]!.count);
    expect(await count('stores')).toBe(8);
    expect(await count('guides')).toBe(40);
    expect(await count('customers')).toBe(800);
    expect(await count('orders')).toBe(2500);
    expect(await count('scripts')).toBeGreaterThanOrEqual(40);
    expect(await count('interactions')).toBeGreaterThan(10_000);
    // Secrets are sealed, and open with the configured key.
    const corp = await ctx.db('corps').where({ wecom_corp_id: 'wwdemo0001guidepost' }).first();
    expect(corp.agent_secret_enc).toMatch(/^v1\./);
    expect(ctx.secrets.open(corp.callback_aes_key_enc)).toHaveLength(43);
    // Sign-in works for the walk-through guide and for finance.
    expect(await ctx.db('users').where({ corp_id: corp.id, userid: 'licui', role: 'guide' }).first()).toBeTruthy();
    expect(await ctx.db('users').where({ corp_id: corp.id, userid: 'caiwu', role: 'finance' }).first()).toBeTruthy();
    // Sequences continue after the explicit ids.
    const [{ id }] = await ctx.db('regions').insert({ corp_id: corp.id, code: 'X1', name: '测试区' }).returning('id');
    expect(id).toBeGreaterThan(4);

    const before = await Promise.all(['orders', 'customers', 'interactions', 'coupons'].map(count));
    const again = await seedTenant({
      databaseUrl: ctx.cfg.DATABASE_URL,
      secretsKey: ctx.cfg.SECRETS_KEY,
      scale: 'demo',
    });
    expect(again).toMatchObject({ skipped: true, corpId: corp.id });
    expect(await Promise.all(['orders', 'customers', 'interactions', 'coupons'].map(count))).toEqual(before);
  });
});
