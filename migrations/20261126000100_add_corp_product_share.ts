import type { Knex } from 'knex';

/**
 * How a tenant's products are shared into a chat: its mini-program's product page (appid + page
 * path) and/or a web page for a news card, each a template with {styleNo} / {productId}.
 * All null: the sidebar sends the pitch text without a product card.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('corps', (t) => {
    t.string('product_link_template', 500).comment(
      'https URL of a product page for news cards, with {styleNo} and/or {productId}',
    );
    t.string('product_mp_appid', 32).comment('mini-program appid for product cards');
    t.string('product_mp_page', 500).comment('mini-program page path of a product, with {styleNo} and/or {productId}');
  });
  await knex.raw(
    `alter table corps add constraint corps_product_mp_pair check ((product_mp_appid is null) = (product_mp_page is null))`,
  );
  await knex.raw(
    `alter table corps add constraint corps_product_link_https check (product_link_template is null or product_link_template like 'https://%')`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table corps drop constraint corps_product_link_https');
  await knex.raw('alter table corps drop constraint corps_product_mp_pair');
  await knex.schema.alterTable('corps', (t) => {
    t.dropColumn('product_link_template');
    t.dropColumn('product_mp_appid');
    t.dropColumn('product_mp_page');
  });
}
