import { describe, expect, it } from 'vitest';
import type { ProductShare } from '../../../core/contracts/sidebar';
import { productCard } from '../composables/product-card';

const shoe = {
  productId: 42,
  styleNo: 'YX26SH00001',
  name: '云朵软底玛丽珍鞋',
  imageUrl: 'https://img.example.com/p/YX26SH00001.jpg',
};
const MP = { appid: 'wx0d1e2f3a4b5c6d7e', page: 'pages/goods/detail?styleNo={styleNo}' };
const LINK = 'https://shop.example.com/goods/{styleNo}?id={productId}';
const desc = '您穿的37码有货 · ¥869';

describe('product card', () => {
  it("is the tenant's mini-program card when it has one: product name, picture, page filled and ending in .html", () => {
    expect(productCard(shoe, { miniprogram: MP, linkTemplate: LINK }, desc)).toEqual({
      msgtype: 'miniprogram',
      miniprogram: {
        appid: MP.appid,
        title: '云朵软底玛丽珍鞋',
        imgUrl: shoe.imageUrl,
        page: 'pages/goods/detail.html?styleNo=YX26SH00001',
      },
    });
  });

  it("is a news card to the tenant's link when it has no mini-program", () => {
    expect(productCard(shoe, { miniprogram: null, linkTemplate: LINK }, desc)).toEqual({
      msgtype: 'news',
      news: {
        title: '云朵软底玛丽珍鞋',
        desc,
        link: 'https://shop.example.com/goods/YX26SH00001?id=42',
        imgUrl: shoe.imageUrl,
      },
    });
  });

  it('is none when the tenant set up neither (the pitch goes out as text), or when bootstrap has not said', () => {
    expect(productCard(shoe, { miniprogram: null, linkTemplate: null }, desc)).toBeNull();
    expect(productCard(shoe, null, desc)).toBeNull();
  });

  it('URL-encodes what it fills in', () => {
    const odd = { ...shoe, styleNo: 'A B/C?&=#é' };
    const share: ProductShare = { miniprogram: MP, linkTemplate: LINK };
    const mp = productCard(odd, share, desc);
    expect(mp?.msgtype === 'miniprogram' && mp.miniprogram.page).toBe(
      'pages/goods/detail.html?styleNo=A%20B%2FC%3F%26%3D%23%C3%A9',
    );
    const news = productCard(odd, { miniprogram: null, linkTemplate: LINK }, desc);
    expect(news?.msgtype === 'news' && news.news.link).toBe(
      'https://shop.example.com/goods/A%20B%2FC%3F%26%3D%23%C3%A9?id=42',
    );
  });

  it('keeps a page that already ends in .html, and looks only at the path for it', () => {
    const done = productCard(
      shoe,
      { miniprogram: { ...MP, page: 'pages/goods/detail.html?styleNo={styleNo}' }, linkTemplate: null },
      desc,
    );
    expect(done?.msgtype === 'miniprogram' && done.miniprogram.page).toBe(
      'pages/goods/detail.html?styleNo=YX26SH00001',
    );
    const pathOnly = productCard(
      shoe,
      { miniprogram: { ...MP, page: 'pages/goods/{productId}' }, linkTemplate: null },
      desc,
    );
    expect(pathOnly?.msgtype === 'miniprogram' && pathOnly.miniprogram.page).toBe('pages/goods/42.html');
    const tricky = productCard({ ...shoe, styleNo: 'x.html' }, { miniprogram: MP, linkTemplate: null }, desc);
    expect(tricky?.msgtype === 'miniprogram' && tricky.miniprogram.page).toBe('pages/goods/detail.html?styleNo=x.html');
  });

  it('falls back to the news card for a product without a picture (WeCom needs a mini-program cover), else none', () => {
    const bare = { ...shoe, imageUrl: null };
    expect(productCard(bare, { miniprogram: MP, linkTemplate: LINK }, desc)).toMatchObject({
      msgtype: 'news',
      news: { imgUrl: '' },
    });
    expect(productCard(bare, { miniprogram: MP, linkTemplate: null }, desc)).toBeNull();
  });
});
