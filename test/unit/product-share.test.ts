import { describe, expect, it } from 'vitest';
import { productShareSettings } from '../../core/contracts/product-share';
import { productShareColumns } from '../../core/tenant/product-share';
import { BENCH_CORP, DEMO_CORP } from '../../sandbox/seed/scales';

const MP = { appid: 'wx0d1e2f3a4b5c6d7e', page: 'pages/goods/detail?styleNo={styleNo}' };
const ok = (v: unknown) => productShareSettings.safeParse(v).success;

describe('product-share settings (what a tenant writes)', () => {
  it("takes the demo brand's settings and none at all", () => {
    expect(ok(DEMO_CORP.productShare)).toBe(true);
    expect(ok(BENCH_CORP.productShare)).toBe(true);
    expect(
      ok({
        miniprogram: { appid: MP.appid, page: 'pages/goods/{productId}.html' },
        linkTemplate: 'https://shop.example.com/p?id={productId}&s={styleNo}',
      }),
    ).toBe(true);
  });

  it('refuses a link that is not https, has no or an unknown placeholder, or lets a placeholder pick the host', () => {
    for (const linkTemplate of [
      'http://shop.example.com/goods/{styleNo}',
      'https://shop.example.com/goods',
      'https://shop.example.com/goods/{sku}',
      'https://{styleNo}.example.com/',
      'https://shop.example.com/goods/{styleNo',
      'shop.example.com/{styleNo}',
      'https://shop.example.com/a b/{styleNo}',
    ]) {
      expect(ok({ miniprogram: null, linkTemplate }), linkTemplate).toBe(false);
    }
  });

  it('refuses a bad appid or page path', () => {
    for (const appid of ['wx0d1e2f3a4b5c6d7', 'gh_0d1e2f3a4b5c', 'WX0D1E2F3A4B5C6D7E'])
      expect(ok({ miniprogram: { ...MP, appid }, linkTemplate: null }), appid).toBe(false);
    for (const page of [
      '/pages/goods/detail?styleNo={styleNo}',
      'pages/goods/detail',
      'https://m.example.com/{styleNo}',
      'pages/goods/detail?styleNo={style}',
    ]) {
      expect(ok({ miniprogram: { ...MP, page }, linkTemplate: null }), page).toBe(false);
    }
  });

  it('maps to the corps columns, and names the field it refuses', () => {
    expect(productShareColumns(DEMO_CORP.productShare)).toEqual({
      product_link_template: 'https://m.guidepost.example/goods/{styleNo}',
      product_mp_appid: MP.appid,
      product_mp_page: MP.page,
    });
    expect(() => productShareColumns({ miniprogram: null, linkTemplate: 'http://x.example/{styleNo}' })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', field: 'body.linkTemplate' }),
    );
  });
});
