import type { AppContext } from '../context';
import { singleFlight } from '../redis';
import { AppError } from '../errors';
import { getWecomClient } from './corp-client';

/** Temporary media lives 3 days in WeCom; we re-upload a little before that. */
const REUSE_MS = 3 * 86_400_000 - 3_600_000;
/** How long one process may hold an asset's upload lock (an upload with its retries fits). */
const UPLOAD_LOCK_MS = 30_000;

interface AssetRow {
  kind: 'image' | 'file' | 'video';
  filename: string;
  content_type: string;
  content: Buffer;
  wecom_media_id: string | null;
  wecom_uploaded_at: Date | null;
}

/** Uploads in flight in this process, per corp and asset. */
const inflight = new Map<string, Promise<string>>();

/** The Redis key of an asset's cross-process upload lock. */
export const mediaUploadLockKey = (ctx: AppContext, corpId: number, assetId: number) => `${ctx.cfg.QUEUE_PREFIX}:wecom:media-lock:${corpId}:${assetId}`;

async function readAsset(ctx: AppContext, corpId: number, assetId: number): Promise<AssetRow> {
  const a = await ctx.db('media_assets').where({ id: assetId, corp_id: corpId }).first<AssetRow | undefined>();
  if (!a) throw new AppError('NOT_FOUND', `no media asset ${assetId}`);
  return a;
}

const reusable = (a: AssetRow, now: number): string | null => (a.wecom_media_id && a.wecom_uploaded_at && now - a.wecom_uploaded_at.getTime() < REUSE_MS ? a.wecom_media_id : null);

/**
 * A media_id for one of our stored assets, reused while it is still valid. Uploads are
 * single-flight per asset: concurrent callers in this process share one upload, and processes
 * share a Redis lock, waiting for the media_id the holder stores (or uploading anyway if it died).
 */
export async function ensureMediaId(ctx: AppContext, corpId: number, assetId: number, now = Date.now()): Promise<string> {
  const fresh = reusable(await readAsset(ctx, corpId, assetId), now);
  if (fresh) return fresh;
  const key = `${corpId}:${assetId}`;
  const running = inflight.get(key);
  if (running) return running;
  const p = upload(ctx, corpId, assetId, now).finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p;
}

async function upload(ctx: AppContext, corpId: number, assetId: number, now: number): Promise<string> {
  // Another process may be uploading this asset: use its media_id when it lands.
  const landed = async () => reusable(await readAsset(ctx, corpId, assetId), now);
  return singleFlight(ctx.redis, mediaUploadLockKey(ctx, corpId, assetId), { ttlMs: UPLOAD_LOCK_MS, landed }, async () => {
    const a = await readAsset(ctx, corpId, assetId);
    const client = await getWecomClient(ctx, corpId);
    const r = await client.uploadMedia(a.kind, a.filename, a.content_type, a.content);
    await ctx.db('media_assets').where({ id: assetId }).update({ wecom_media_id: r.media_id, wecom_uploaded_at: new Date(now) });
    return r.media_id;
  });
}
