import type { Knex } from 'knex';

/**
 * Segments (saved customer selections) and campaigns sent through each customer's own guide with
 * WeCom mass messages or moments: one recipient row per customer of the segment (holdout, reached,
 * refused by WeCom, or unreachable — reported, never dropped) and one WeCom task per guide.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('segments', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('name', 64).notNullable();
    t.jsonb('definition').notNullable().comment('core/contracts/campaigns.ts segmentDefinition');
    t.bigInteger('created_by').references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['corp_id', 'name']);
  });
  await knex.schema.createTable('campaigns', (t) => {
    t.bigIncrements('id');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.string('name', 64).notNullable();
    t.enu('channel', ['mass_message', 'moment'], { useNative: true, enumName: 'campaign_channel' }).notNullable();
    t.bigInteger('segment_id').references('segments.id');
    t.jsonb('definition').notNullable().comment('the segment definition as it was when the campaign was created');
    t.bigInteger('script_id').references('scripts.id');
    t.jsonb('content').notNullable().comment('text and attachments sent');
    t.bigInteger('coupon_template_id').references('coupon_templates.id');
    t.integer('holdout_bp').notNullable().defaultTo(0).comment('share of the segment held out, basis points');
    t.string('holdout_seed', 32).notNullable().comment('random per campaign: the holdout is stable for it');
    t.integer('window_days').notNullable().defaultTo(7).comment('ROI counts sales this many days after the send');
    t.timestamp('scheduled_at', { useTz: true }).notNullable();
    t.timestamp('dispatched_at', { useTz: true });
    t.timestamp('cancelled_at', { useTz: true });
    t.bigInteger('created_by').references('users.id');
    t.bigInteger('guide_id').references('guides.id').comment('a guide’s own campaign (断码找人 bulk send)');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['corp_id', 'scheduled_at']);
  });
  await knex.raw(`alter table campaigns add constraint campaigns_holdout check (holdout_bp between 0 and 5000)`);
  await knex.schema.createTable('campaign_recipients', (t) => {
    t.bigInteger('campaign_id').notNullable().references('campaigns.id').onDelete('CASCADE');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('customer_id').notNullable().references('customers.id').onDelete('CASCADE');
    t.bigInteger('guide_id').references('guides.id').comment('the customer’s own guide; null when none is left');
    t.bigInteger('store_id').references('stores.id');
    t.boolean('holdout').notNullable();
    t.enu('status', ['holdout', 'pending', 'tasked', 'sent', 'not_friend', 'limit', 'refused', 'unreachable'], {
      useNative: true,
      enumName: 'campaign_recipient_status',
    }).notNullable();
    t.string('reason', 32).comment('why unreachable: guide_left, customer_deleted, no_guide');
    t.bigInteger('coupon_id').references('coupons.id');
    t.timestamp('sent_at', { useTz: true });
    t.primary(['campaign_id', 'customer_id']);
    t.index(['campaign_id', 'guide_id']);
    t.index(['customer_id']);
  });
  await knex.schema.createTable('campaign_tasks', (t) => {
    t.bigInteger('campaign_id').notNullable().references('campaigns.id').onDelete('CASCADE');
    t.bigInteger('corp_id').notNullable().references('corps.id').onDelete('CASCADE');
    t.bigInteger('guide_id').notNullable().references('guides.id');
    t.string('msgid', 64).comment('add_msg_template');
    t.string('moment_id', 64).comment('add_moment_task');
    t.integer('customers').notNullable();
    t.timestamp('confirmed_at', { useTz: true }).comment('the guide sent it in WeCom');
    t.integer('sent').notNullable().defaultTo(0);
    t.timestamp('polled_at', { useTz: true });
    t.primary(['campaign_id', 'guide_id']);
    t.index(['guide_id']);
  });
  await knex.schema.alterTable('coupons', (t) => {
    t.bigInteger('campaign_id').references('campaigns.id').comment('issued by this campaign');
  });
  await knex.raw('create index coupons_campaign on coupons (campaign_id) where campaign_id is not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index coupons_campaign');
  await knex.schema.alterTable('coupons', (t) => t.dropColumn('campaign_id'));
  await knex.schema.dropTable('campaign_tasks');
  await knex.schema.dropTable('campaign_recipients');
  await knex.schema.dropTable('campaigns');
  await knex.schema.dropTable('segments');
  await knex.raw('drop type if exists campaign_recipient_status, campaign_channel');
}
