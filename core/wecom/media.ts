import type { AppContext } from '../context';
import { singleFlight } from '../redis';
import { AppError } from '../errors';
import { getWecomClient } from './corp-client';

/** Temporary media lives 3 days in WeCom; we re-upload a little before that. */
const REUSE_MS = 3 * 86_400_000 - 3_600_000;
/** How long one process may hold an asset's upload lock (an upload with its retries fits). */
const UPLOAD_LOCK_MS = 30_000;

/** What says whether an asset's media_id can be reused. */
interface MediaState {
  wecom_media_id: string | null;
  wecom_uploaded_at: Date | null;
}

/** The Redis key of an asset's cross-process upload lock. */
export const mediaUploadLockKey = (ctx: AppContext, corpId: number, assetId: number) =>
  `${ctx.cfg.QUEUE_PREFIX}:wecom:media-lock:${corpId}:${assetId}`;

const asset = (ctx: AppContext, corpId: number, assetId: number) =>
  ctx.db('media_assets').where({ id: assetId, corp_id: corpId });

/** The asset's media_id while it is still valid, else null; the content stays in the database. */
async function reusable(ctx: AppContext, corpId: number, assetId: number, now: number): Promise<string | null> {
  const a = await asset(ctx, corpId, assetId).first<MediaState | undefined>('wecom_media_id', 'wecom_uploaded_at');
  if (!a) throw new AppError('NOT_FOUND', `no media asset ${assetId}`);
  return a.wecom_media_id && a.wecom_uploaded_at && now - a.wecom_uploaded_at.getTime() < REUSE_MS
    ? a.wecom_media_id
    : null;
}

/**
 * A media_id for one of our stored assets, reused while it is still valid. Uploads are
 * single-flight per asset (core/redis.ts): concurrent callers in this process share one upload,
 * and processes share a Redis lock, waiting for the media_id the holder stores (or uploading
 * anyway if it died).
 */
export async function ensureMediaId(
  ctx: AppContext,
  corpId: number,
  assetId: number,
  now = Date.now(),
): Promise<string> {
  const fresh = await reusable(ctx, corpId, assetId, now);
  if (fresh) return fresh;
  // Another process may be uploading this asset: use its media_id when it lands.
  const landed = () => reusable(ctx, corpId, assetId, now);
  return singleFlight(
    ctx.redis,
    mediaUploadLockKey(ctx, corpId, assetId),
    { ttlMs: UPLOAD_LOCK_MS, landed },
    async () => {
      const a = await asset(ctx, corpId, assetId).first<
        { kind: 'image' | 'file' | 'video'; filename: string; content_type: string; content: Buffer } | undefined
      >('kind', 'filename', 'content_type', 'content');
      if (!a) throw new AppError('NOT_FOUND', `no media asset ${assetId}`);
      const client = await getWecomClient(ctx, corpId);
      const r = await client.uploadMedia(a.kind, a.filename, a.content_type, a.content);
      await ctx
        .db('media_assets')
        .where({ id: assetId })
        .update({ wecom_media_id: r.media_id, wecom_uploaded_at: new Date(now) });
      return r.media_id;
    },
  );
}
