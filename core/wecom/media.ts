import type { AppContext } from '../context';
import { AppError } from '../errors';
import { getWecomClient } from './corp-client';

/** Temporary media lives 3 days in WeCom; we re-upload a little before that. */
const REUSE_MS = 3 * 86_400_000 - 3_600_000;

/** A media_id for one of our stored assets, reused while it is still valid. */
export async function ensureMediaId(ctx: AppContext, corpId: number, assetId: number, now = Date.now()): Promise<string> {
  const a = await ctx.db('media_assets').where({ id: assetId, corp_id: corpId }).first<{ kind: 'image' | 'file' | 'video'; filename: string; content_type: string; content: Buffer; wecom_media_id: string | null; wecom_uploaded_at: Date | null } | undefined>();
  if (!a) throw new AppError('NOT_FOUND', `no media asset ${assetId}`);
  if (a.wecom_media_id && a.wecom_uploaded_at && now - a.wecom_uploaded_at.getTime() < REUSE_MS) return a.wecom_media_id;
  const client = await getWecomClient(ctx, corpId);
  const r = await client.uploadMedia(a.kind, a.filename, a.content_type, a.content);
  await ctx.db('media_assets').where({ id: assetId }).update({ wecom_media_id: r.media_id, wecom_uploaded_at: new Date(now) });
  return r.media_id;
}
