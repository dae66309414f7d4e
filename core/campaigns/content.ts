/**
 * What a campaign sends: text plus up to 9 attachments (image, link card, mini-program card), taken
 * from a script's parts and optionally a product card from the catalog; checked against WeCom's
 * rules for add_msg_template (§13.1) and add_moment_task (§14.1) when the campaign is created, so a
 * campaign WeCom would refuse is a 400 naming the field, not a failed dispatch. Media-library images
 * become temporary media_ids (core/wecom/media.ts) only when the campaign is dispatched.
 */
import * as zm from 'zod/mini';
import { campaignContent, type CampaignAttachment, type CampaignContent } from '../contracts/campaigns';
import { fillProductTemplate } from '../contracts/product-share';
import { fillVariables, type VariableValues } from '../contracts/script-vars';
import { scriptPart } from '../contracts/sidebar';
import type { AppContext } from '../context';
import type { Db } from '../db/knex';
import { AppError } from '../errors';
import { readProductShare } from '../tenant/product-share';
import type { MsgAttachment } from '../wecom/client';
import { ensureMediaId } from '../wecom/media';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** WeCom's limits (§13.1, §14.1). */
export const LIMITS = {
  textBytes: 4000,
  attachments: 9,
  linkTitleBytes: 128,
  linkDescBytes: 512,
  urlBytes: 2048,
  miniprogramTitleBytes: 64,
  momentTextChars: 2000,
} as const;

/** Cuts a string to at most `max` UTF-8 bytes on a character boundary. */
export function cutBytes(s: string, max: number): string {
  let out = '';
  for (const ch of s) {
    if (bytes(out + ch) > max) break;
    out += ch;
  }
  return out;
}

/**
 * A script's parts (and a product card) as campaign content. A mini-program card takes its cover
 * from `coverAssetId`; without one it cannot go in a mass message and the field is named.
 */
export async function contentFromScript(
  db: Db,
  corpId: number,
  rawParts: unknown,
  opts: { coverAssetId?: number | undefined; productId?: number | undefined },
): Promise<CampaignContent> {
  const parts = zm.array(scriptPart).parse(rawParts);
  const text: string[] = [];
  const attachments: CampaignAttachment[] = [];
  const needCover = () => {
    if (opts.coverAssetId === undefined)
      throw new AppError(
        'VALIDATION_FAILED',
        'a mini-program card in a mass message needs a cover image from the media library (WeCom takes an uploaded image, not a URL)',
        { field: 'body.coverAssetId' },
      );
    return opts.coverAssetId;
  };
  for (const p of parts) {
    if (p.type === 'text') text.push(p.text);
    else if (p.type === 'image') attachments.push({ type: 'image', mediaAssetId: p.mediaAssetId });
    else if (p.type === 'news')
      attachments.push({ type: 'link', title: p.title, url: p.link, desc: p.desc, picurl: p.imgUrl });
    else
      attachments.push({
        type: 'miniprogram',
        appid: p.appid,
        page: p.page,
        title: p.title,
        coverAssetId: needCover(),
      });
  }
  if (opts.productId !== undefined)
    attachments.push(await productCard(db, corpId, opts.productId, needCover, opts.coverAssetId));
  return { text: text.join('\n'), attachments };
}

/** A catalog style as a card: the corp's mini-program product page, else its web-shop link. */
export async function productCard(
  db: Db,
  corpId: number,
  productId: number,
  needCover: () => number,
  coverAssetId?: number,
): Promise<CampaignAttachment> {
  const product = await db('products')
    .where({ corp_id: corpId, id: productId })
    .first<{ name: string; style_no: string; image_url: string | null } | undefined>('name', 'style_no', 'image_url');
  if (!product) throw new AppError('NOT_FOUND', `no product ${productId}`, { field: 'body.productId' });
  const share = await readProductShare(db, corpId);
  const ref = { styleNo: product.style_no, productId };
  if (share.miniprogram && (coverAssetId !== undefined || !share.linkTemplate))
    return {
      type: 'miniprogram',
      appid: share.miniprogram.appid,
      page: fillProductTemplate(share.miniprogram.page, ref),
      title: cutBytes(product.name, LIMITS.miniprogramTitleBytes),
      coverAssetId: needCover(),
    };
  if (share.linkTemplate)
    return {
      type: 'link',
      title: cutBytes(product.name, LIMITS.linkTitleBytes),
      url: fillProductTemplate(share.linkTemplate, ref),
      desc: product.style_no,
      picurl: product.image_url ?? '',
    };
  throw new AppError('VALIDATION_FAILED', 'the brand shares no products (set its mini-program or shop link first)', {
    field: 'body.productId',
  });
}

/** The 断码找人 send's card: the style's shop link when the brand has one (a guide's send has no mini-program cover). */
export async function styleCard(db: Db, corpId: number, productId: number): Promise<CampaignAttachment[]> {
  const share = await readProductShare(db, corpId);
  if (!share.linkTemplate) return [];
  return [await productCard(db, corpId, productId, () => 0)];
}

/**
 * Checks content as WeCom would: sizes, the number of attachments, media-library images that
 * exist, and for a moment what 朋友圈 carries (text of at most 2000 characters and one link —
 * images need moment attachments, mini-programs are not allowed).
 */
export async function checkContent(
  db: Db,
  corpId: number,
  content: CampaignContent,
  channel: 'mass_message' | 'moment',
): Promise<void> {
  const bad = (message: string, field = 'body.scriptId') => new AppError('VALIDATION_FAILED', message, { field });
  if (!content.text && content.attachments.length === 0) throw bad('the script has nothing a mass message can carry');
  if (bytes(content.text) > LIMITS.textBytes) throw bad(`the text is over WeCom's ${LIMITS.textBytes} bytes`);
  if (content.attachments.length > LIMITS.attachments)
    throw bad(`WeCom takes at most ${LIMITS.attachments} attachments, this has ${content.attachments.length}`);
  for (const a of content.attachments) {
    if (a.type === 'link') {
      if (bytes(a.title) > LIMITS.linkTitleBytes) throw bad(`link title “${a.title}” is over 128 bytes`);
      if (bytes(a.desc) > LIMITS.linkDescBytes) throw bad(`link description is over 512 bytes`);
      if (bytes(a.url) > LIMITS.urlBytes || bytes(a.picurl) > LIMITS.urlBytes)
        throw bad('a link address is over 2048 bytes');
      if (!/^https?:\/\//.test(a.url)) throw bad(`link ${a.url} is not an http(s) address`);
    } else if (a.type === 'miniprogram') {
      if (bytes(a.title) > LIMITS.miniprogramTitleBytes) throw bad(`mini-program title “${a.title}” is over 64 bytes`);
    }
  }
  const assets = [
    ...new Set(
      content.attachments.flatMap((a) =>
        a.type === 'image' ? [a.mediaAssetId] : a.type === 'miniprogram' ? [a.coverAssetId] : [],
      ),
    ),
  ];
  if (assets.length) {
    const found = await db('media_assets')
      .where({ corp_id: corpId, kind: 'image' })
      .whereIn('id', assets)
      .pluck<string[]>('id');
    const missing = assets.find((x) => !found.map(Number).includes(x));
    if (missing !== undefined)
      throw new AppError('NOT_FOUND', `no image ${missing} in the media library`, {
        field: content.attachments.some((a) => a.type === 'miniprogram' && a.coverAssetId === missing)
          ? 'body.coverAssetId'
          : 'body.scriptId',
      });
  }
  if (channel === 'moment') {
    if ([...content.text].length > LIMITS.momentTextChars) throw bad('a moment takes at most 2000 characters');
    const kinds = content.attachments.map((a) => a.type);
    if (kinds.some((k) => k !== 'link') || kinds.length > 1)
      throw bad('a moment here carries text and at most one link (WeCom: up to 9 images, or one video, or one link)');
  }
}

/** Content as stored: campaigns created before attachments kept `links` (and the parts they skipped). */
const legacyContent = zm.object({
  text: zm.string(),
  links: zm.array(zm.object({ title: zm.string(), url: zm.string(), desc: zm.string(), picurl: zm.string() })),
});

export function storedContent(raw: unknown): CampaignContent {
  const now = campaignContent.safeParse(raw);
  if (now.success) return now.data;
  const old = legacyContent.parse(raw);
  return { text: old.text, attachments: old.links.map((l) => ({ type: 'link' as const, ...l })) };
}

/**
 * The content as add_msg_template / add_moment_task attachments for one guide: variables filled in
 * titles, media-library images as media_ids (uploaded once, reused while valid).
 */
export async function wecomAttachments(
  ctx: AppContext,
  corpId: number,
  content: CampaignContent,
  values: VariableValues,
): Promise<MsgAttachment[]> {
  const fill = (s: string) => fillVariables(s, values).text;
  const out: MsgAttachment[] = [];
  for (const a of content.attachments) {
    if (a.type === 'image')
      out.push({ msgtype: 'image', image: { media_id: await ensureMediaId(ctx, corpId, a.mediaAssetId) } });
    else if (a.type === 'link')
      out.push({
        msgtype: 'link',
        link: {
          title: cutBytes(fill(a.title), LIMITS.linkTitleBytes),
          url: a.url,
          ...(a.desc ? { desc: cutBytes(fill(a.desc), LIMITS.linkDescBytes) } : {}),
          ...(a.picurl ? { picurl: a.picurl } : {}),
        },
      });
    else
      out.push({
        msgtype: 'miniprogram',
        miniprogram: {
          title: cutBytes(fill(a.title), LIMITS.miniprogramTitleBytes),
          pic_media_id: await ensureMediaId(ctx, corpId, a.coverAssetId),
          appid: a.appid,
          page: a.page,
        },
      });
  }
  return out;
}
