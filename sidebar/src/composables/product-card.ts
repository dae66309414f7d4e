import { fillProductTemplate } from '../../../core/contracts/product-share';
import type { MatchItem, ProductShare } from '../../../core/contracts/sidebar';
import type { OutgoingMessage } from '../wecom';
import { cardMessage } from './send';

export type CardProduct = Pick<MatchItem, 'productId' | 'styleNo' | 'name' | 'imageUrl'>;

/**
 * The card that goes with a product pitch, as the tenant shares products: its mini-program's page
 * (WeCom needs an http(s) cover, so only for a product with a picture), else a news card to its web page,
 * else none — the pitch goes out as text alone. `desc` is the news card's line under the title.
 */
export function productCard(
  item: CardProduct,
  share: ProductShare | null | undefined,
  desc: string,
): OutgoingMessage | null {
  const mp = share?.miniprogram;
  if (mp && item.imageUrl && /^https?:\/\//.test(item.imageUrl))
    return cardMessage({
      type: 'miniprogram',
      appid: mp.appid,
      title: item.name,
      imgUrl: item.imageUrl,
      page: fillProductTemplate(mp.page, item),
    });
  if (share?.linkTemplate)
    return cardMessage({
      type: 'news',
      title: item.name,
      desc,
      link: fillProductTemplate(share.linkTemplate, item),
      imgUrl: item.imageUrl ?? '',
    });
  return null;
}
