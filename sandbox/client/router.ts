/**
 * The simulated WeCom desktop client: a page with the signed-in member's customer chats, a chat
 * pane, and the chat-toolbar sidebar at WeCom's width, plus the JS bridge it injects into that
 * sidebar (bridge.js) and the small API both use. The bridge checks agentConfig against the
 * agent ticket this sandbox issued (sha1 over jsapi_ticket, noncestr, timestamp, url), exactly
 * as the protocol reference describes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import { z } from 'zod';
import { MassMessageError, confirmGroupMsg, pendingFor, publishMoment } from '../wecom/mass-messages';
import type { SandboxState } from '../wecom/state';

const here = dirname(fileURLToPath(import.meta.url));
const BRIDGE_JS = readFileSync(join(here, 'bridge.js'), 'utf8');
const HOST_HTML = readFileSync(join(here, 'host.html'), 'utf8');

export interface ClientOptions {
  /** Where the sidebar is served (Guidepost's public URL). */
  appUrl: string;
}

const verifyBody = z.object({
  corpid: z.string(),
  agentid: z.union([z.string(), z.number()]),
  timestamp: z.union([z.string(), z.number()]),
  nonceStr: z.string(),
  signature: z.string(),
  url: z.string(),
});
const messageBody = z.object({
  corpid: z.string(),
  userid: z.string(),
  peer: z.string().min(1),
  kind: z.enum(['single', 'group']),
  message: z.record(z.string(), z.unknown()),
});

export function clientRouter(state: SandboxState, now: () => number, opts: ClientOptions): Router {
  const r = express.Router();
  r.use('/client/api', express.json({ limit: '1mb' }));

  r.get(['/client', '/client/'], (_req, res) => {
    res
      .type('html')
      .set('Cache-Control', 'no-cache')
      .send(HOST_HTML.replace('__CLIENT_CONFIG__', JSON.stringify({ appUrl: opts.appUrl }).replace(/</g, '\\u003c')));
  });
  r.get('/client/bridge.js', (_req, res) => {
    res
      .type('application/javascript')
      .set('Cache-Control', 'no-cache')
      .set('Access-Control-Allow-Origin', '*')
      .send(BRIDGE_JS);
  });

  /** The member's chats as the client lists them: external contacts they follow and their customer groups. */
  r.get('/client/api/state', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const corps = [...state.corps.values()].map((c) => ({ corpid: c.corpid, name: c.name }));
    const corp = state.corps.get(q.corpid ?? '') ?? state.corps.values().next().value;
    if (!corp) return void res.json({ corps, corp: null, members: [], contacts: [], groups: [] });
    const members = [...corp.members.values()].slice(0, 500);
    const userid = q.userid && corp.members.has(q.userid) ? q.userid : (members[0]?.userid ?? '');
    const contacts = [...corp.contacts.values()]
      .flatMap((c) =>
        c.follow_user
          .filter((f) => f.userid === userid)
          .map((f) => ({
            external_userid: c.external_userid,
            name: c.name,
            remark: f.remark,
            avatar: c.avatar,
            createtime: f.createtime,
          })),
      )
      .sort((a, b) => b.createtime - a.createtime)
      .slice(0, 300);
    const groups = [...corp.groupChats.values()]
      .filter((g) => g.owner === userid || g.member_list.some((m) => m.userid === userid))
      .map((g) => ({ chat_id: g.chat_id, name: g.name, members: g.member_list.length }));
    res.json({
      corps,
      corp: { corpid: corp.corpid, name: corp.name, agentid: corp.agentid },
      userid,
      members,
      contacts,
      groups,
    });
  });

  r.post('/client/api/verify-agent-config', (req, res) => {
    const b = verifyBody.safeParse(req.body);
    if (!b.success) return void res.json({ ok: false, reason: 'invalid arguments' });
    const corp = state.corps.get(b.data.corpid);
    if (!corp) return void res.json({ ok: false, reason: 'invalid corpid' });
    if (String(corp.agentid) !== String(b.data.agentid)) return void res.json({ ok: false, reason: 'invalid agentid' });
    const ticket = state.tickets.get(`${corp.corpid}:agent`);
    if (!ticket || ticket.expiresAt <= now()) return void res.json({ ok: false, reason: 'invalid signature' });
    const expected = createHash('sha1')
      .update(
        `jsapi_ticket=${ticket.ticket}&noncestr=${b.data.nonceStr}&timestamp=${b.data.timestamp}&url=${b.data.url.split('#')[0]}`,
      )
      .digest('hex');
    res.json(expected === b.data.signature ? { ok: true } : { ok: false, reason: 'invalid signature' });
  });

  /** The member's pending mass messages (群发助手) and moments, and her confirmation of them. */
  r.get('/client/api/mass-messages', (req, res) => {
    const corp = state.corps.get(String(req.query.corpid ?? ''));
    if (!corp) return void res.status(404).json({ error: 'no corp' });
    res.json(pendingFor(corp, String(req.query.userid ?? '')));
  });
  const confirmBody = z.object({
    corpid: z.string(),
    userid: z.string(),
    msgid: z.string().optional(),
    moment_id: z.string().optional(),
  });
  r.post('/client/api/mass-messages/confirm', (req, res) => {
    const b = confirmBody.safeParse(req.body);
    const corp = b.success ? state.corps.get(b.data.corpid) : undefined;
    if (!b.success || !corp) return void res.status(400).json({ error: 'invalid arguments' });
    try {
      if (b.data.msgid) return void res.json(confirmGroupMsg(state, corp, b.data.msgid, b.data.userid, now()));
      if (b.data.moment_id) return void res.json(publishMoment(corp, b.data.moment_id, b.data.userid));
      res.status(400).json({ error: 'msgid or moment_id required' });
    } catch (err) {
      if (err instanceof MassMessageError) return void res.status(err.status).json({ error: err.message });
      throw err;
    }
  });

  /** What the sidebar sent into a chat (the chat pane shows it; behaviour data counts it). */
  r.post('/client/api/messages', (req, res) => {
    const b = messageBody.safeParse(req.body);
    if (!b.success) return void res.status(400).json({ error: b.error.issues[0]?.message });
    // As the client does: an image goes out only by a media_id this corp uploaded, within its 3 days.
    if (b.data.message.msgtype === 'image') {
      const mediaid = (b.data.message.image as { mediaid?: unknown } | undefined)?.mediaid;
      const media = typeof mediaid === 'string' ? state.corps.get(b.data.corpid)?.media.get(mediaid) : undefined;
      if (!media || media.type !== 'image' || now() / 1000 - media.created_at > 3 * 86_400)
        return void res.status(400).json({ error: 'invalid mediaid' });
    }
    state.sentMessages.push({
      corpid: b.data.corpid,
      userid: b.data.userid,
      external_userid: b.data.kind === 'single' ? b.data.peer : '',
      chat_id: b.data.kind === 'group' ? b.data.peer : undefined,
      at: now(),
      message: b.data.message,
    });
    res.json({ ok: true });
  });
  r.get('/client/api/messages', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    res.json({
      messages: state.sentMessages
        .filter(
          (m) =>
            m.corpid === q.corpid && m.userid === q.userid && (m.external_userid === q.peer || m.chat_id === q.peer),
        )
        .map((m) => ({ at: m.at, message: m.message })),
    });
  });
  return r;
}
