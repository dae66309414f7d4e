/**
 * Setting up a real corp from the command line (README: "Pointing Guidepost at a real corp").
 *
 *   npm run corp -- add --corpid ww… --agent-id 1000002 --agent-secret … --admin <userid> [--admin-name 名字]
 *                       [--name 企业名称] [--contact-secret …] [--timezone Asia/Shanghai]
 *   npm run corp -- verify-file --corpid ww… --file ./WW_verify_….txt
 *
 * Reads the same environment as the API (DATABASE_URL, SECRETS_KEY, PUBLIC_URL).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { addCorp } from '../core/admin/corp-setup';
import { saveVerifyFile } from '../core/admin/integrations';
import { loadConfigOrExit } from '../core/config/env';
import { SecretBox } from '../core/crypto/secret-box';
import { createDb } from '../core/db/knex';
import { isAppError } from '../core/errors';

const cfg = loadConfigOrExit();
const [cmd, ...rest] = process.argv.slice(2);
const { values: a } = parseArgs({
  args: rest,
  options: {
    corpid: { type: 'string' },
    'agent-id': { type: 'string' },
    'agent-secret': { type: 'string' },
    'contact-secret': { type: 'string' },
    name: { type: 'string' },
    admin: { type: 'string' },
    'admin-name': { type: 'string' },
    timezone: { type: 'string' },
    file: { type: 'string' },
  },
});
const usage = () => {
  console.error(
    'usage: corp.ts add --corpid ww… --agent-id N --agent-secret S --admin USERID [--admin-name N] [--name N] [--contact-secret S] [--timezone TZ]\n' +
      '       corp.ts verify-file --corpid ww… --file ./WW_verify_….txt',
  );
  process.exitCode = 2;
};

const db = createDb(cfg.DATABASE_URL);
try {
  if (cmd === 'add' && a.corpid && a['agent-id'] && a['agent-secret'] && a.admin) {
    const r = await addCorp(db, new SecretBox(cfg.SECRETS_KEY), cfg.publicUrl, {
      wecomCorpId: a.corpid,
      name: a.name ?? a.corpid,
      agentId: Number(a['agent-id']),
      agentSecret: a['agent-secret'],
      contactSecret: a['contact-secret'],
      timezone: a.timezone,
      admin: { userid: a.admin, name: a['admin-name'] ?? a.admin },
    });
    console.log(`corp ${a.corpid} added (id ${r.corpId}), admin ${a.admin}. In WeCom's admin console, in this order:

  应用 → 接收消息 → 设置API接收 (callback):
    URL             ${r.callbackUrl}
    Token           ${r.callbackToken}
    EncodingAESKey  ${r.encodingAesKey}
  应用 → 网页授权及JS-SDK → 可信域名:   ${r.trustedDomain}
    (then: npm run corp -- verify-file --corpid ${a.corpid} --file ./WW_verify_….txt, and let WeCom check it)
  应用 → 企业微信授权登录 → Web网页 → 授权回调域:   ${r.trustedDomain}
  应用 → 聊天工具栏 → 配置页面 URL:
    ${r.toolbarUrl}
  Managers' boards and the admin console: ${r.webLoginUrl}

POS webhook: ${r.posWebhookUrl}
POS secret (shown this once; rotate it in the console under 品牌管理 → 集成): ${r.posSecret}`);
  } else if (cmd === 'verify-file' && a.corpid && a.file) {
    const corp = await db('corps').where({ wecom_corp_id: a.corpid }).first<{ id: number } | undefined>('id');
    if (!corp) throw new Error(`no corp ${a.corpid}: add it first`);
    const filename = basename(a.file);
    await saveVerifyFile(
      db,
      Number(corp.id),
      'setup',
      { filename, content: readFileSync(a.file, 'utf8').trim() },
      null,
    );
    console.log(`serving ${cfg.publicUrl.replace(/\/$/, '')}/${filename}`);
  } else usage();
} catch (err) {
  console.error(isAppError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
} finally {
  await db.destroy();
}
