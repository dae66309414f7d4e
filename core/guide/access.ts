import { handedTo } from '../admin/succession';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/knex';
import { AppError } from '../errors';

export interface GuidePrincipal extends Principal {
  guideId: number;
}

/** The sidebar is for guides (and managers who also sell): a principal without a guide id is refused. */
export function asGuide(p: Principal): GuidePrincipal {
  if (p.guideId === null)
    throw new AppError('FORBIDDEN', 'this account is not a store guide; the sidebar shows a guide’s own customers');
  return p as GuidePrincipal;
}

/**
 * The chat's customer, re-checked on the server: the external contact must exist in this corp
 * and this guide must follow them (an active follow relation). WeCom's getCurExternalContact
 * only says who is on the other side of the chat; it does not grant access.
 */
export async function followedCustomerId(db: Db, p: GuidePrincipal, externalUserid: string): Promise<number> {
  const row = await db('customers as c')
    .leftJoin('customer_guides as cg', function () {
      this.on('cg.customer_id', 'c.id').andOnVal('cg.guide_id', p.guideId).andOnNull('cg.ended_at');
    })
    .where({ 'c.corp_id': p.corpId, 'c.external_userid': externalUserid })
    .first<{ id: number; relation: number | null } | undefined>('c.id', 'cg.id as relation');
  if (!row)
    throw new AppError(
      'NOT_FOUND',
      'this customer is not known yet; their profile appears after the next contact sync',
      { field: 'externalUserid' },
    );
  const to = row.relation === null ? await handedTo(db, p.corpId, p.guideId, Number(row.id)) : null;
  if (to)
    throw new AppError('TRANSFERRED', `this customer was handed over to ${to}`, {
      field: 'externalUserid',
      details: { to },
    });
  if (row.relation === null)
    throw new AppError('NOT_FOLLOWED', 'you do not follow this customer, so their profile is not shown', {
      field: 'externalUserid',
    });
  return row.id;
}

/** Throws the same errors as followedCustomerId when a single-statement query found no followed row. */
export async function explainMissing(db: Db, p: GuidePrincipal, externalUserid: string): Promise<never> {
  await followedCustomerId(db, p, externalUserid);
  throw new AppError('NOT_FOUND', 'customer not found', { field: 'externalUserid' });
}
