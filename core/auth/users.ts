import type { AppContext } from '../context';
import { AppError } from '../errors';
import type { Role } from './principal';
import { userChanged } from './session';

/**
 * Changes a user's role or activation. The change applies to their open sessions on the next
 * request in every API process (the session store's change counter moves with it).
 */
export async function updateUser(
  ctx: Pick<AppContext, 'db' | 'redis' | 'cfg'>,
  corpId: number,
  userid: string,
  change: { role?: Role; active?: boolean },
): Promise<void> {
  const n = await ctx
    .db('users')
    .where({ corp_id: corpId, userid })
    .update({
      ...(change.role ? { role: change.role } : {}),
      ...(change.active === undefined ? {} : { active: change.active }),
    });
  if (n === 0) throw new AppError('NOT_FOUND', `no user ${userid}`, { field: 'userid' });
  await userChanged({ redis: ctx.redis, prefix: ctx.cfg.QUEUE_PREFIX }, corpId, userid);
}
