import { randomBytes } from 'node:crypto';
import type { Db } from '../../core/db/knex';
import type { SecretBox } from '../../core/crypto/secret-box';
import type { Role } from '../../core/auth/principal';

const uid = (p: string) => `${p}${randomBytes(4).toString('hex')}`;

export interface CorpFixture {
  id: number;
  wecomCorpId: string;
  agentId: number;
  agentSecret: string;
  callbackToken: string;
  callbackAesKey: string;
  posHmacSecret: string;
}

/** A tenant with sealed secrets; plain values are returned for tests that need to sign. */
export async function createCorp(
  db: Db,
  secrets: SecretBox,
  over: Partial<{ wecomCorpId: string; name: string; timezone: string }> = {},
): Promise<CorpFixture> {
  const fx = {
    wecomCorpId: over.wecomCorpId ?? uid('ww'),
    agentId: 1000002,
    agentSecret: randomBytes(21).toString('base64url'),
    callbackToken: randomBytes(8).toString('hex'),
    callbackAesKey: randomBytes(32).toString('base64').slice(0, 43),
    posHmacSecret: randomBytes(24).toString('hex'),
  };
  const [row] = await db('corps')
    .insert({
      wecom_corp_id: fx.wecomCorpId,
      name: over.name ?? '测试零售集团',
      timezone: over.timezone ?? 'Asia/Shanghai',
      agent_id: fx.agentId,
      agent_secret_enc: secrets.seal(fx.agentSecret),
      callback_token: fx.callbackToken,
      callback_aes_key_enc: secrets.seal(fx.callbackAesKey),
      pos_hmac_secret_enc: secrets.seal(fx.posHmacSecret),
    })
    .returning<{ id: number }[]>('id');
  return { id: row!.id, ...fx };
}

export async function createRegion(
  db: Db,
  corpId: number,
  over: Partial<{ code: string; name: string }> = {},
): Promise<number> {
  const [r] = await db('regions')
    .insert({ corp_id: corpId, code: over.code ?? uid('R'), name: over.name ?? '华东区' })
    .returning<{ id: number }[]>('id');
  return r!.id;
}

export async function createStore(
  db: Db,
  corpId: number,
  regionId: number,
  over: Partial<{ code: string; name: string; city: string }> = {},
): Promise<number> {
  const [r] = await db('stores')
    .insert({
      corp_id: corpId,
      region_id: regionId,
      code: over.code ?? uid('S'),
      name: over.name ?? '上海南京西路店',
      city: over.city ?? '上海',
    })
    .returning<{ id: number }[]>('id');
  return r!.id;
}

/** A guide plus the matching user row (role guide) so they can sign in. */
export async function createGuide(
  db: Db,
  corpId: number,
  storeId: number,
  over: Partial<{ userid: string; name: string; role: Role }> = {},
): Promise<{ id: number; userid: string; userId: number }> {
  const userid = over.userid ?? uid('guide');
  const [g] = await db('guides')
    .insert({ corp_id: corpId, store_id: storeId, userid, name: over.name ?? '李翠', hired_on: '2024-03-01' })
    .returning<{ id: number }[]>('id');
  const [u] = await db('users')
    .insert({ corp_id: corpId, userid, name: over.name ?? '李翠', role: over.role ?? 'guide', guide_id: g!.id })
    .returning<{ id: number }[]>('id');
  return { id: g!.id, userid, userId: u!.id };
}

export async function createCustomer(
  db: Db,
  corpId: number,
  over: Partial<{ externalUserid: string; name: string; memberNo: string; phoneHash: string; unionid: string }> = {},
): Promise<{ id: number; externalUserid: string }> {
  const externalUserid = over.externalUserid ?? uid('wm');
  const [c] = await db('customers')
    .insert({
      corp_id: corpId,
      external_userid: externalUserid,
      name: over.name ?? '王女士',
      member_no: over.memberNo ?? null,
      phone_hash: over.phoneHash ?? null,
      unionid: over.unionid ?? null,
    })
    .returning<{ id: number }[]>('id');
  await db('customer_identities').insert({
    corp_id: corpId,
    kind: 'external_userid',
    value: externalUserid,
    customer_id: c!.id,
  });
  return { id: c!.id, externalUserid };
}

export async function follow(
  db: Db,
  corpId: number,
  customerId: number,
  guideId: number,
  over: Partial<{ addedAt: Date; state: string; exclusive: boolean }> = {},
): Promise<void> {
  await db('customer_guides').insert({
    corp_id: corpId,
    customer_id: customerId,
    guide_id: guideId,
    added_at: over.addedAt ?? new Date('2026-01-05T10:00:00+08:00'),
    add_way: 1,
    state: over.state ?? null,
    is_exclusive: over.exclusive ?? false,
  });
  if (over.exclusive)
    await db('exclusive_assignments').insert({
      corp_id: corpId,
      customer_id: customerId,
      guide_id: guideId,
      valid_from: over.addedAt ?? new Date('2026-01-05T10:00:00+08:00'),
      set_by: 'test',
    });
}

/** Corp → region → store → guide: the usual starting point of a test. */
export async function createOrg(db: Db, secrets: SecretBox) {
  const corp = await createCorp(db, secrets);
  const regionId = await createRegion(db, corp.id);
  const storeId = await createStore(db, corp.id, regionId);
  const guide = await createGuide(db, corp.id, storeId);
  return { corp, regionId, storeId, guide };
}

/** A non-guide user (manager, finance, admin) with optional store / region scopes. */
export async function createUser(
  db: Db,
  corpId: number,
  over: { userid: string; role: Role; name?: string; storeIds?: number[]; regionIds?: number[] },
): Promise<number> {
  const [u] = await db('users')
    .insert({ corp_id: corpId, userid: over.userid, name: over.name ?? over.userid, role: over.role })
    .returning<{ id: number }[]>('id');
  const scopes = [
    ...(over.storeIds ?? []).map((s) => ({ corp_id: corpId, user_id: u!.id, store_id: s, region_id: null })),
    ...(over.regionIds ?? []).map((r) => ({ corp_id: corpId, user_id: u!.id, store_id: null, region_id: r })),
  ];
  if (scopes.length) await db('user_scopes').insert(scopes);
  return u!.id;
}
