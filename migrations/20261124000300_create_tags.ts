import type { Knex } from 'knex';

/** Corp tags mirrored from WeCom, grouped by family, and which customers carry them. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tag_groups', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('wecom_group_id', 64).notNullable();
    t.string('name', 64).notNullable();
    t.enu('kind', ['value', 'stage', 'preference', 'size', 'channel', 'custom'], {
      useNative: true,
      enumName: 'tag_kind',
    })
      .notNullable()
      .defaultTo('custom');
    t.integer('order').notNullable().defaultTo(0);
    t.timestamp('deleted_at', { useTz: true });
    t.unique(['corp_id', 'wecom_group_id']);
  });

  await knex.schema.createTable('tags', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('group_id').notNullable().references('tag_groups.id').onDelete('CASCADE');
    t.string('wecom_tag_id', 64).notNullable();
    t.string('name', 64).notNullable();
    t.integer('order').notNullable().defaultTo(0);
    t.timestamp('deleted_at', { useTz: true });
    t.unique(['corp_id', 'wecom_tag_id']);
    t.index(['group_id']);
  });

  await knex.schema.createTable('customer_tags', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('customer_id').notNullable().references('customers.id').onDelete('CASCADE');
    t.bigInteger('guide_id')
      .references('guides.id')
      .comment('whose follow relation carries the tag; null for system-derived tags');
    t.bigInteger('tag_id').notNullable().references('tags.id').onDelete('CASCADE');
    t.enu('source', ['wecom', 'guide', 'rule'], { useNative: true, enumName: 'tag_source' }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['tag_id']);
  });
  await knex.raw(
    'create unique index customer_tags_natural on customer_tags (corp_id, customer_id, guide_id, tag_id) nulls not distinct',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('customer_tags');
  await knex.schema.dropTable('tags');
  await knex.schema.dropTable('tag_groups');
  await knex.raw('drop type if exists tag_source, tag_kind');
}
