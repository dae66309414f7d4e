import type { Db } from '../../core/db/knex';
import { MP } from './lexicon';

/** What the sandbox needs to know about a tenant, read back from our database after seeding. */
export interface SandboxPayload {
  corpid: string;
  name: string;
  agentid: number;
  callbackUrl: string;
  members: { userid: string; name: string }[];
  groups: { group_id: string; group_name: string; order: number; tag: { id: string; name: string; order: number }[] }[];
  contacts: {
    external_userid: string;
    name: string;
    type: 1;
    gender: number;
    unionid?: string;
    avatar?: string;
    follow_user: {
      userid: string;
      remark?: string;
      createtime: number;
      add_way: number;
      state?: string;
      tag_ids: string[];
    }[];
  }[];
  contactWays: { state: string; userids: string[] }[];
}

export async function loadSandboxPayload(db: Db, wecomCorpId: string, publicUrl: string): Promise<SandboxPayload> {
  const corp = await db('corps')
    .where({ wecom_corp_id: wecomCorpId })
    .first<{ id: number; name: string; agent_id: number }>('id', 'name', 'agent_id');
  if (!corp) throw new Error(`no tenant ${wecomCorpId} in the database`);
  // The guides, then everyone else who signs in (store and regional managers, finance, head office).
  const members = [
    ...(await db('guides')
      .where({ corp_id: corp.id })
      .orderBy('id')
      .select<{ userid: string; name: string }[]>('userid', 'name')),
    ...(await db('users')
      .where({ corp_id: corp.id, active: true })
      .whereNull('guide_id')
      .orderBy('id')
      .select<{ userid: string; name: string }[]>('userid', 'name')),
  ];
  const groups = await db('tag_groups')
    .where({ corp_id: corp.id })
    .orderBy('order')
    .select<{ id: number; wecom_group_id: string; name: string; order: number }[]>(
      'id',
      'wecom_group_id',
      'name',
      'order',
    );
  const tags = await db('tags')
    .where({ corp_id: corp.id })
    .orderBy('order')
    .select<{ id: number; group_id: number; wecom_tag_id: string; name: string; order: number }[]>(
      'id',
      'group_id',
      'wecom_tag_id',
      'name',
      'order',
    );
  const rows = await db('customer_guides as cg')
    .join('customers as c', 'c.id', 'cg.customer_id')
    .join('guides as g', 'g.id', 'cg.guide_id')
    .where('cg.corp_id', corp.id)
    .whereNull('cg.ended_at')
    .orderBy(['c.id', 'cg.id'])
    .select<
      {
        customer_id: number;
        guide_id: number;
        external_userid: string;
        name: string;
        gender: number;
        unionid: string | null;
        avatar: string | null;
        userid: string;
        remark: string | null;
        added_at: Date;
        add_way: number;
        state: string | null;
      }[]
    >(
      'cg.customer_id',
      'cg.guide_id',
      'c.external_userid',
      'c.name',
      'c.gender',
      'c.unionid',
      'c.avatar',
      'g.userid',
      'cg.remark',
      'cg.added_at',
      'cg.add_way',
      'cg.state',
    );
  const tagRows = await db('customer_tags as ct')
    .join('tags as t', 't.id', 'ct.tag_id')
    .where('ct.corp_id', corp.id)
    .whereNotNull('ct.guide_id')
    .select<{ customer_id: number; guide_id: number; wecom_tag_id: string }[]>(
      'ct.customer_id',
      'ct.guide_id',
      't.wecom_tag_id',
    );
  const tagsOf = new Map<string, string[]>();
  for (const r of tagRows) {
    const k = `${r.customer_id}:${r.guide_id}`;
    tagsOf.set(k, [...(tagsOf.get(k) ?? []), r.wecom_tag_id]);
  }
  const contacts = new Map<number, SandboxPayload['contacts'][number]>();
  for (const r of rows) {
    let c = contacts.get(r.customer_id);
    if (!c) {
      c = {
        external_userid: r.external_userid,
        name: r.name,
        type: 1,
        gender: r.gender,
        ...(r.unionid ? { unionid: r.unionid } : {}),
        ...(r.avatar ? { avatar: r.avatar } : {}),
        follow_user: [],
      };
      contacts.set(r.customer_id, c);
    }
    c.follow_user.push({
      userid: r.userid,
      ...(r.remark ? { remark: r.remark } : {}),
      createtime: Math.floor(new Date(r.added_at).getTime() / 1000),
      add_way: r.add_way,
      ...(r.state ? { state: r.state } : {}),
      tag_ids: tagsOf.get(`${r.customer_id}:${r.guide_id}`) ?? [],
    });
  }
  const ways = await db('channel_codes as cc')
    .leftJoin('guides as g', 'g.store_id', 'cc.store_id')
    .where('cc.corp_id', corp.id)
    .select<{ state: string; userid: string | null }[]>('cc.state', 'g.userid');
  const byState = new Map<string, string[]>();
  for (const w of ways) byState.set(w.state, [...(byState.get(w.state) ?? []), ...(w.userid ? [w.userid] : [])]);
  const firstGuide = members[0]?.userid;
  return {
    corpid: wecomCorpId,
    name: corp.name,
    agentid: corp.agent_id,
    callbackUrl: `${publicUrl}/wecom/callback/${wecomCorpId}`,
    members,
    groups: groups.map((g) => ({
      group_id: g.wecom_group_id,
      group_name: g.name,
      order: g.order,
      tag: tags.filter((t) => t.group_id === g.id).map((t) => ({ id: t.wecom_tag_id, name: t.name, order: t.order })),
    })),
    contacts: [...contacts.values()],
    contactWays: [...byState.entries()].map(([state, userids]) => ({
      state,
      userids: userids.length ? userids : firstGuide ? [firstGuide] : [],
    })),
  };
}

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`sandbox ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** Loads the tenant into a running sandbox WeCom through its control API (no callbacks fire). */
export async function pushToSandbox(
  sandboxUrl: string,
  p: SandboxPayload,
  secrets: { agentSecret: string; contactSecret: string; callbackToken: string; callbackAesKey: string },
): Promise<void> {
  const api = `${sandboxUrl.replace(/\/$/, '')}/sandbox/api/corps`;
  await post(api, {
    corpid: p.corpid,
    name: p.name,
    agentid: p.agentid,
    secret: secrets.agentSecret,
    contactSecret: secrets.contactSecret,
    callback: { url: p.callbackUrl, token: secrets.callbackToken, encodingAESKey: secrets.callbackAesKey },
    miniprograms: [MP.appid],
  });
  const corp = `${api}/${encodeURIComponent(p.corpid)}`;
  await post(`${corp}/members`, { members: p.members });
  await post(`${corp}/tags`, { groups: p.groups });
  for (let i = 0; i < p.contacts.length; i += 500)
    await post(`${corp}/contacts`, { contacts: p.contacts.slice(i, i + 500) });
  for (const w of p.contactWays)
    if (w.userids.length)
      await post(`${corp}/contact-ways`, { state: w.state, userids: w.userids, type: w.userids.length > 1 ? 2 : 1 });
}
