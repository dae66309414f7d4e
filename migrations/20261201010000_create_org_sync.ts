import type { Knex } from 'knex';

/**
 * Org sync from WeCom: the corp's departments as last read (with the admin's choice of which are
 * regions and stores), each region and store linked to its department, members who left (a
 * timestamp, never a deleted row), and the history of sync runs.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('org_departments', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('wecom_id').notNullable().comment('WeCom department id (root = 1)');
    t.bigInteger('parent_wecom_id').comment('null for the root');
    t.string('name', 64).notNullable();
    t.bigInteger('order').notNullable().defaultTo(0);
    // auto: by depth under the root (1 region, 2 store); region / store / none: the admin's choice.
    t.enu('kind', ['auto', 'region', 'store', 'none'], { useNative: true, enumName: 'org_department_kind' })
      .notNullable()
      .defaultTo('auto');
    t.timestamp('removed_at', { useTz: true });
    t.timestamp('synced_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['corp_id', 'wecom_id']);
  });

  await knex.schema.alterTable('regions', (t) => {
    t.bigInteger('wecom_department_id');
    t.unique(['corp_id', 'wecom_department_id']);
  });
  await knex.schema.alterTable('stores', (t) => {
    t.bigInteger('wecom_department_id');
    t.unique(['corp_id', 'wecom_department_id']);
  });
  await knex.schema.alterTable('guides', (t) => {
    t.timestamp('left_at', { useTz: true });
  });
  await knex.schema.alterTable('users', (t) => {
    t.timestamp('left_at', { useTz: true });
  });

  await knex.schema.createTable('org_syncs', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('trigger', 32).notNullable().comment('schedule | callback | manual');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.enu('status', ['running', 'ok', 'failed'], { useNative: true, enumName: 'org_sync_status' })
      .notNullable()
      .defaultTo('running');
    t.jsonb('counts').notNullable().defaultTo('{}');
    t.jsonb('problems').notNullable().defaultTo('[]');
    t.text('error');
    t.index(['corp_id', 'id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('org_syncs');
  await knex.schema.alterTable('users', (t) => t.dropColumn('left_at'));
  await knex.schema.alterTable('guides', (t) => t.dropColumn('left_at'));
  await knex.schema.alterTable('stores', (t) => {
    t.dropUnique(['corp_id', 'wecom_department_id']);
    t.dropColumn('wecom_department_id');
  });
  await knex.schema.alterTable('regions', (t) => {
    t.dropUnique(['corp_id', 'wecom_department_id']);
    t.dropColumn('wecom_department_id');
  });
  await knex.schema.dropTable('org_departments');
  await knex.raw('drop type if exists org_department_kind, org_sync_status');
}
