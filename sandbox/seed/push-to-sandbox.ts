import type { Db } from '../../core/db/knex';
import { MP } from './lexicon';

/** What the sandbox needs to know about a tenant, read back from our database after seeding. */
export interface SandboxPayload {
  corpid: string;
  name: string;
  agentid: number;
  callbackUrl: string;
  /** The contacts' department tree: regions under the root, stores under their region (the org sync's default mapping). */
  departments: { id: number; name: string; parentid: number; order: number }[];
  members: { userid: string; name: string; department: number[] }[];
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
  // Departments: region r → 10 + its rank, store s → 1000 + its rank (WeCom ids are the corp's own).
  const regions = await db('regions')
    .where({ corp_id: corp.id })
    .orderBy('id')
    .select<{ id: number; name: string }[]>('id', 'name');
  const stores = await db('stores')
    .where({ corp_id: corp.id })
    .orderBy('id')
    .select<{ id: number; name: string; region_id: number }[]>('id', 'name', 'region_id');
  const regionDept = new Map(regions.map((r, i) => [Number(r.id), 10 + i]));
  const storeDept = new Map(stores.map((s, i) => [Number(s.id), 1000 + i]));
  const departments = [
    ...regions.map((r) => ({ id: regionDept.get(Number(r.id))!, name: r.name, parentid: 1, order: 0 })),
    ...stores.map((s) => ({
      id: storeDept.get(Number(s.id))!,
      name: s.name,
      parentid: regionDept.get(Number(s.region_id))!,
      order: 0,
    })),
  ];
  const scopes = await db('user_scopes')
    .where({ corp_id: corp.id })
    .orderBy('id')
    .select<{ user_id: number; region_id: number | null; store_id: number | null }[]>(
      'user_id',
      'region_id',
      'store_id',
    );
  // The guides in their stores, then everyone else who signs in: managers in their first store or
  // region, finance and head office at the root.
  const members = [
    ...(
      await db('guides')
        .where({ corp_id: corp.id })
        .orderBy('id')
        .select<{ userid: string; name: string; store_id: number }[]>('userid', 'name', 'store_id')
    ).map((g) => ({ userid: g.userid, name: g.name, department: [storeDept.get(Number(g.store_id)) ?? 1] })),
    ...(
      await db('users')
        .where({ corp_id: corp.id, active: true })
        .whereNull('guide_id')
        .orderBy('id')
        .select<{ id: number; userid: string; name: string }[]>('id', 'userid', 'name')
    ).map((u) => {
      const s = scopes.find((x) => Number(x.user_id) === Number(u.id));
      const dept = s?.store_id
        ? storeDept.get(Number(s.store_id))
        : s?.region_id
          ? regionDept.get(Number(s.region_id))
          : 1;
      return { userid: u.userid, name: u.name, department: [dept ?? 1] };
    }),
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
    departments,
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
  // The 通讯录同步 assistant sends its change_contact events to the same callback URL, with the same Token and key.
  await post(`${corp}/contact-sync`, {
    secret: `${secrets.agentSecret}-contacts`,
    callback: { url: p.callbackUrl, token: secrets.callbackToken, encodingAESKey: secrets.callbackAesKey },
  });
  await post(`${corp}/departments`, { departments: p.departments });
  await post(`${corp}/members`, { members: p.members });
  // The demo's tag library was made in WeCom's admin console, before Guidepost: the app may not change it.
  await post(`${corp}/tags`, { groups: p.groups.map((g) => ({ ...g, owner: 'console' })) });
  for (let i = 0; i < p.contacts.length; i += 500)
    await post(`${corp}/contacts`, { contacts: p.contacts.slice(i, i + 500) });
  for (const w of p.contactWays)
    if (w.userids.length)
      await post(`${corp}/contact-ways`, { state: w.state, userids: w.userids, type: w.userids.length > 1 ? 2 : 1 });
}
