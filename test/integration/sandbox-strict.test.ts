/** Where the sandbox was lenient, it now answers as WeCom does. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/wecom/server';

const CORP = 'wwsandboxstrict';
const SECRET = 'agent-secret-for-strict-tests';
let sb: Sandbox;
let t = '';

async function call(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(
    `${sb.url}${path}`,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  return (await res.json()) as Record<string, unknown>;
}
const api = (path: string, body: unknown) => call(`/cgi-bin/${path}?access_token=${t}`, body);

beforeAll(async () => {
  sb = await startSandbox({});
  await call('/sandbox/api/corps', { corpid: CORP, name: '严格', agentid: 1000002, secret: SECRET });
  await call(`/sandbox/api/corps/${CORP}/members`, { members: [{ userid: 'licui', name: '李翠' }] });
  await call(`/sandbox/api/corps/${CORP}/tags`, {
    groups: [
      { group_id: 'etG1', group_name: '客户价值', tag: [{ id: 'etA', name: 'A' }] },
      { group_id: 'etG2', group_name: '渠道', tag: [{ id: 'etB', name: 'B' }] },
    ],
  });
  await call(`/sandbox/api/corps/${CORP}/contact-ways`, { state: 'st_s', userids: ['licui'] });
  for (let i = 0; i < 3; i++)
    await call(`/sandbox/api/corps/${CORP}/actions/scan-contact-way`, { state: 'st_s', customer: { name: `客${i}` } });
  t = (await call(`/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`)).access_token as string;
});
afterAll(async () => {
  await sb.close();
});

describe('the sandbox follows WeCom', () => {
  it('clamps a batch limit above 100 instead of refusing it', async () => {
    const r = await api('externalcontact/batch/get_by_user', { userid_list: ['licui'], limit: 500 });
    expect(r).toMatchObject({ errcode: 0 });
    expect((r.external_contact_list as unknown[]).length).toBe(3);
  });

  it('filters the tag list by group_id alone when both filters are given', async () => {
    const r = await api('externalcontact/get_corp_tag_list', { group_id: ['etG2'], tag_id: ['etA'] });
    expect((r.tag_group as { group_id: string }[]).map((g) => g.group_id)).toEqual(['etG2']);
    const byTag = await api('externalcontact/get_corp_tag_list', { tag_id: ['etA'] });
    expect((byTag.tag_group as { group_id: string }[]).map((g) => g.group_id)).toEqual(['etG1']);
  });

  it('refuses a mark_tag with nothing to add or remove', async () => {
    const ext = (
      (await api('externalcontact/batch/get_by_user', { userid_list: ['licui'] })).external_contact_list as {
        external_contact: { external_userid: string };
      }[]
    )[0]!.external_contact.external_userid;
    expect(await api('externalcontact/mark_tag', { userid: 'licui', external_userid: ext })).toMatchObject({
      errcode: 40058,
    });
    expect(
      await api('externalcontact/mark_tag', { userid: 'licui', external_userid: ext, add_tag: [], remove_tag: [] }),
    ).toMatchObject({ errcode: 40058 });
    expect(
      await api('externalcontact/mark_tag', { userid: 'licui', external_userid: ext, add_tag: ['etA'] }),
    ).toMatchObject({ errcode: 0 });
  });

  it('checks a contact way: type required, no style on a QR code, remark of at most 30 characters', async () => {
    expect(await api('externalcontact/add_contact_way', { scene: 2, user: ['licui'] })).toMatchObject({
      errcode: 41037,
    });
    expect(
      await api('externalcontact/add_contact_way', { type: 1, scene: 2, style: 1, user: ['licui'] }),
    ).toMatchObject({ errcode: 41040 });
    const base = { type: 1, scene: 2, user: ['licui'], state: 'st_r' };
    expect(await api('externalcontact/add_contact_way', { ...base, remark: '店'.repeat(31) })).toMatchObject({
      errcode: 40058,
    });
    expect(await api('externalcontact/add_contact_way', { ...base, remark: '店'.repeat(30) })).toMatchObject({
      errcode: 0,
    });
  });

  it('answers media of the wrong format with 40005 and the wrong size with 40006', async () => {
    const upload = async (type: string, name: string, bytes: number) => {
      const form = new FormData();
      form.append('media', new Blob([new Uint8Array(bytes).fill(7)]), name);
      const r = await fetch(`${sb.url}/cgi-bin/media/upload?access_token=${t}&type=${type}`, {
        method: 'POST',
        body: form,
      });
      return ((await r.json()) as { errcode: number }).errcode;
    };
    expect(await upload('image', 'a.png', 100)).toBe(0);
    expect(await upload('image', 'a.gif', 100)).toBe(40005);
    expect(await upload('voice', 'a.mp3', 100)).toBe(40005);
    expect(await upload('image', 'a.png', 3)).toBe(40006);
    expect(await upload('voice', 'a.amr', 3 * 1024 * 1024)).toBe(40006);
    expect(await upload('file', 'a.pdf', 100)).toBe(0);
    expect(await upload('gif', 'a.gif', 100)).toBe(40004);
  });
});
