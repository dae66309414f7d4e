import { describe, expect, it, vi } from 'vitest';

// An image part goes out by the media_id the API gets from WeCom for its stored asset.
const media = vi.fn(async (assetId: number) => ({ mediaId: `media-${assetId}` }));
vi.mock('../net/sidebar', () => ({ api: { media: (id: number) => media(id) } }));
const { toMessages } = await import('../composables/send');

describe('a multi-part script becomes one sendChatMessage call per part, in order', () => {
  it('text, image by media id, news link and mini-program card, each with its own message type', async () => {
    const out = await toMessages([
      { type: 'text', text: '王女士，您好' },
      { type: 'image', mediaAssetId: 7, title: '活动海报' },
      {
        type: 'news',
        title: '秋冬新品',
        desc: '一衣多穿',
        link: 'https://m.example.com/new',
        imgUrl: 'https://m.example.com/n.png',
      },
      {
        type: 'miniprogram',
        appid: 'wx0d1e2f3a4b5c6d7e',
        title: '会员中心',
        page: 'pages/member/index?from=script',
        imgUrl: 'https://m.example.com/mp.png',
      },
      { type: 'text', text: '   ' },
    ]);
    expect(out).toEqual([
      { msgtype: 'text', text: { content: '王女士，您好' } },
      { msgtype: 'image', image: { mediaid: 'media-7' } },
      {
        msgtype: 'news',
        news: {
          link: 'https://m.example.com/new',
          title: '秋冬新品',
          desc: '一衣多穿',
          imgUrl: 'https://m.example.com/n.png',
        },
      },
      {
        msgtype: 'miniprogram',
        miniprogram: {
          appid: 'wx0d1e2f3a4b5c6d7e',
          title: '会员中心',
          imgUrl: 'https://m.example.com/mp.png',
          page: 'pages/member/index.html?from=script',
        },
      },
    ]);
    expect(media).toHaveBeenCalledWith(7);
  });
});
