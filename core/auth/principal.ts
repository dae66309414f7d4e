import type { Db } from '../db/knex';

export type Role = 'guide' | 'store_manager' | 'regional_manager' | 'head_office' | 'finance' | 'admin';

/** Who is calling, with the scope their role grants, read fresh from the database. */
export interface Principal {
  corpId: number;
  userId: number;
  userid: string;
  name: string;
  role: Role;
  /** Set for guides (and managers who also sell). */
  guideId: number | null;
  storeIds: number[];
  regionIds: number[];
}

export async function loadPrincipal(db: Db, corpId: number, userid: string): Promise<Principal | null> {
  const user = await db('users')
    .where({ corp_id: corpId, userid, active: true })
    .first<{ id: number; name: string; role: Role; guide_id: number | null } | undefined>(
      'id',
      'name',
      'role',
      'guide_id',
    );
  if (!user) return null;
  const scopes = await db('user_scopes')
    .where({ user_id: user.id })
    .select<{ region_id: number | null; store_id: number | null }[]>('region_id', 'store_id');
  const storeIds = scopes.flatMap((s) => (s.store_id === null ? [] : [s.store_id]));
  if (user.role === 'guide' && user.guide_id !== null) {
    const g = await db('guides').where({ id: user.guide_id }).first<{ store_id: number } | undefined>('store_id');
    if (g) storeIds.push(g.store_id);
  }
  return {
    corpId,
    userId: user.id,
    userid,
    name: user.name,
    role: user.role,
    guideId: user.guide_id,
    storeIds,
    regionIds: scopes.flatMap((s) => (s.region_id === null ? [] : [s.region_id])),
  };
}
