import type { AppContext } from '../context';
import { AppError } from '../errors';
import { WecomClient } from './client';

export interface CorpRow {
  id: number;
  wecom_corp_id: string;
  name: string;
  timezone: string;
  agent_id: number;
  agent_secret_enc: string;
  contact_secret_enc: string | null;
  callback_token: string;
  callback_aes_key_enc: string;
  trusted_domains: string[];
}

const clients = new WeakMap<AppContext, Map<number, WecomClient>>();

/** The corp by our id or by its WeCom corp id. */
export async function findCorp(ctx: Pick<AppContext, 'db'>, ref: string | number): Promise<CorpRow | undefined> {
  const q = ctx.db('corps');
  if (typeof ref === 'number' || /^\d+$/.test(ref)) {
    // Beyond the integer column's range no corp can match (and PostgreSQL would refuse the value).
    const id = Number(ref);
    if (!Number.isSafeInteger(id) || id > 2_147_483_647) return undefined;
    q.where({ id });
  } else if (ref.length > 64) return undefined;
  else q.where({ wecom_corp_id: ref });
  return q.first<CorpRow | undefined>();
}

/**
 * A client for the corp's app (self-built app secret; it must be allowed 客户联系 and 对外收款).
 * One per corp per context, so the in-process single-flight covers the whole process.
 */
export async function getWecomClient(ctx: AppContext, corpId: number): Promise<WecomClient> {
  let perCtx = clients.get(ctx);
  if (!perCtx) clients.set(ctx, (perCtx = new Map()));
  const existing = perCtx.get(corpId);
  if (existing) return existing;
  const corp = await findCorp(ctx, corpId);
  if (!corp) throw new AppError('NOT_FOUND', `no corp ${corpId}`);
  const client = new WecomClient({
    baseUrl: ctx.cfg.WECOM_API_BASE,
    corpid: corp.wecom_corp_id,
    secret: ctx.secrets.open(corp.agent_secret_enc),
    app: `agent${corp.agent_id}`,
    redis: ctx.redis,
    keyPrefix: ctx.cfg.QUEUE_PREFIX,
    logger: ctx.logger.child({ corp: corp.wecom_corp_id }),
  });
  perCtx.set(corpId, client);
  return client;
}
