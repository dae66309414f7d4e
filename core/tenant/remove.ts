import type { Db } from '../db/knex';

/**
 * Removes a tenant and everything it owns. The credit ledger has no foreign key to the tenant
 * (see migration ledger_without_per_row_tenant_checks), so it goes first, then the cascade from
 * corps takes the rest. Returns whether a tenant was removed.
 */
export async function deleteTenant(db: Db, corpId: number): Promise<boolean> {
  return db.transaction(async (trx) => {
    // Commission lines (and what hangs off them) go with the cascade; only their link to a line is cut.
    await trx('commission_lines').where({ corp_id: corpId }).whereNotNull('credit_id').update({ credit_id: null });
    await trx('credit_events').where({ corp_id: corpId }).del();
    await trx('daily_credits').where({ corp_id: corpId }).del();
    // Adjustment lines point at the lines they correct: unlink before deleting.
    await trx('credits')
      .where({ corp_id: corpId })
      .whereNotNull('adjusts_credit_id')
      .update({ adjusts_credit_id: null });
    await trx('credits').where({ corp_id: corpId }).del();
    const removed = (await trx('corps').where({ id: corpId }).del()) > 0;
    // The boards' fact rollups (moved by triggers, which find no tenant once it is gone): last.
    for (const table of ['daily_activity', 'daily_reach', 'daily_store_sales'])
      await trx(table).where({ corp_id: corpId }).del();
    return removed;
  });
}
