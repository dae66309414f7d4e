import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuidePrincipal } from '../../core/guide/access';
import { customerProfile } from '../../core/guide/profile';
import { createTestContext, destroyTestContext, type TestContext } from '../helpers/context';
import { createCorp, createCustomer, createGuide, createRegion, createStore, follow } from '../factories/org.factory';

let ctx: TestContext;
let principal: GuidePrincipal;
let ext: string;

beforeAll(async () => {
  ctx = await createTestContext();
  const corp = await createCorp(ctx.db, ctx.secrets);
  const store = await createStore(ctx.db, corp.id, await createRegion(ctx.db, corp.id));
  const guide = await createGuide(ctx.db, corp.id, store);
  const customer = await createCustomer(ctx.db, corp.id, { name: '王雅琴' });
  await follow(ctx.db, corp.id, customer.id, guide.id);
  ext = customer.externalUserid;
  principal = {
    corpId: corp.id,
    userId: guide.userId,
    userid: guide.userid,
    name: '李翠',
    role: 'guide',
    guideId: guide.id,
    storeIds: [store],
    regionIds: [],
  };
});

afterAll(async () => {
  await destroyTestContext(ctx);
});

describe('chat-open profile', () => {
  it("reads the tenant's stage and value tags once for many chat opens", async () => {
    const tagQueries: string[] = [];
    const count = (q: { sql: string }) => {
      if (q.sql.includes('tag_groups') && !q.sql.includes('customer_tags')) tagQueries.push(q.sql);
    };
    ctx.db.on('query', count);
    try {
      for (let i = 0; i < 3; i++) expect((await customerProfile(ctx.db, principal, ext)).customer.name).toBe('王雅琴');
    } finally {
      ctx.db.off('query', count);
    }
    expect(tagQueries).toHaveLength(1);
  });
});
