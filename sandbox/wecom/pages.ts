/** Pages a person uses: the OAuth authorize page and the sandbox control page. */
import { randomBytes } from 'node:crypto';
import express, { type Router } from 'express';
import type { SandboxState } from './state';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function pagesRouter(state: SandboxState, now: () => number): Router {
  const r = express.Router();

  // open.weixin.qq.com/connect/oauth2/authorize, simulated: pick a member (or ?sandbox_userid= for automation).
  r.get('/connect/oauth2/authorize', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const corp = state.corps.get(q.appid ?? '');
    if (!corp) return void res.status(400).send(`<p>appid ${esc(q.appid ?? '')} is not a corp in the sandbox</p>`);
    if (q.response_type !== 'code' || !q.redirect_uri)
      return void res.status(400).send('<p>response_type=code and redirect_uri are required</p>');
    if (q.scope === 'snsapi_privateinfo' && String(corp.agentid) !== q.agentid)
      return void res.status(400).send('<p>agentid does not match the corp</p>');
    if (q.state !== undefined && !/^[a-zA-Z0-9]{0,128}$/.test(q.state))
      return void res.status(400).send('<p>state must be [a-zA-Z0-9], at most 128 bytes</p>');
    let redirectHost: string;
    try {
      redirectHost = new URL(q.redirect_uri).hostname;
    } catch {
      return void res.status(400).send('<p>redirect_uri is not a URL</p>');
    }
    if (corp.trustedDomains && !corp.trustedDomains.includes(redirectHost)) {
      return void res.status(400).send(`<p>errcode 50001: redirect_url未登记可信域名 (${esc(redirectHost)})</p>`);
    }
    // The member signed into the simulated desktop client is authorised silently, as in WeCom.
    const client = /(?:^|;\s*)sandbox_client_user=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const [clientCorp, clientUser] = client ? decodeURIComponent(client).split(':') : [];
    const pick =
      q.sandbox_userid ??
      (clientCorp === corp.corpid && clientUser && corp.members.has(clientUser) ? clientUser : undefined);
    if (pick) {
      if (!corp.members.has(pick)) return void res.status(400).send(`<p>no member ${esc(pick)}</p>`);
      const code = randomBytes(24).toString('base64url');
      state.oauthCodes.set(code, { corpid: corp.corpid, userid: pick, expiresAt: now() + 300_000 });
      const target = new URL(q.redirect_uri);
      target.searchParams.set('code', code);
      if (q.state) target.searchParams.set('state', q.state);
      return void res.redirect(302, target.toString());
    }
    const base = new URLSearchParams(q as Record<string, string>);
    const items = [...corp.members.values()].slice(0, 200).map((m) => {
      base.set('sandbox_userid', m.userid);
      return `<a class="m" href="?${esc(base.toString())}">${esc(m.name)} <small>${esc(m.userid)}</small></a>`;
    });
    res.send(`<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>企业微信授权（沙箱）</title>
<style>body{font:15px -apple-system,'PingFang SC',sans-serif;margin:0;background:#f5f5f5}h1{font-size:16px;padding:16px;margin:0;background:#fff}.m{display:block;padding:12px 16px;background:#fff;border-top:1px solid #eee;color:#222;text-decoration:none}small{color:#999}</style>
<h1>${esc(corp.name)}：选择登录的成员</h1>${items.join('')}`);
  });

  // login.work.weixin.qq.com/wwlogin/sso/login, simulated (wecom-protocol §8.1): a QR-like page listing
  // the corp's members to "scan as" (?sandbox_userid= for automation); a scan redirects with code and
  // state, "refuse" with the state only. Codes are exchanged by auth/getuserinfo like OAuth codes.
  r.get('/wwlogin/sso/login', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    if (q.login_type !== 'CorpApp') return void res.status(400).send('<p>login_type must be CorpApp</p>');
    const corp = state.corps.get(q.appid ?? '');
    if (!corp) return void res.status(400).send(`<p>appid ${esc(q.appid ?? '')} is not a corp in the sandbox</p>`);
    if (String(corp.agentid) !== q.agentid) return void res.status(400).send('<p>agentid does not match the corp</p>');
    let target: URL;
    try {
      target = new URL(q.redirect_uri ?? '');
    } catch {
      return void res.status(400).send('<p>redirect_uri is not a URL</p>');
    }
    if (corp.trustedDomains && !corp.trustedDomains.includes(target.hostname))
      return void res.status(400).send(`<p>errcode 50001: redirect_uri 与配置的授权完成回调域名不一致</p>`);
    if (q.state) target.searchParams.set('state', q.state);
    if (q.sandbox_refuse) return void res.redirect(302, target.toString());
    if (q.sandbox_userid) {
      if (!corp.members.has(q.sandbox_userid))
        return void res.status(400).send(`<p>no member ${esc(q.sandbox_userid)}</p>`);
      const code = randomBytes(24).toString('base64url');
      state.oauthCodes.set(code, { corpid: corp.corpid, userid: q.sandbox_userid, expiresAt: now() + 300_000 });
      target.searchParams.set('code', code);
      return void res.redirect(302, target.toString());
    }
    const en = q.lang === 'en';
    const base = new URLSearchParams(q as Record<string, string>);
    const items = [...corp.members.values()].slice(0, 200).map((m) => {
      base.set('sandbox_userid', m.userid);
      return `<a class="m" data-userid="${esc(m.userid)}" href="?${esc(base.toString())}">${esc(m.name)} <small>${esc(m.userid)}</small></a>`;
    });
    base.delete('sandbox_userid');
    base.set('sandbox_refuse', '1');
    // A QR-like pattern from the state: decoration only, the scan is simulated by picking a member.
    const seed = [...(q.state ?? 'guidepost')].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
    const cells = Array.from({ length: 21 * 21 }, (_, i) => {
      const x = i % 21,
        y = Math.floor(i / 21);
      const finder = (x < 7 && y < 7) || (x > 13 && y < 7) || (x < 7 && y > 13);
      const on = finder
        ? !(x % 6 && y % 6) || ((x % 14) - 3) ** 2 + ((y % 14) - 3) ** 2 < 3
        : ((seed >>> (i % 29)) ^ (i * 2654435761)) & 4;
      return `<i${on ? ' class="on"' : ''}></i>`;
    }).join('');
    res.send(`<!doctype html><html lang="${en ? 'en' : 'zh-CN'}"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${en ? 'WeCom login (sandbox)' : '企业微信登录（沙箱）'}</title>
<style>body{font:14px -apple-system,'PingFang SC',sans-serif;margin:0;background:#f2f3f5;color:#1f2329}.card{max-width:420px;margin:40px auto;background:#fff;border-radius:8px;padding:24px;box-shadow:0 2px 8px rgba(0,0,0,.08)}h1{font-size:18px;margin:0 0 4px;text-align:center}p{color:#8f959e;text-align:center;margin:0 0 16px}.qr{display:grid;grid-template-columns:repeat(21,8px);gap:0;width:168px;margin:0 auto 16px;padding:8px;border:1px solid #eee}.qr i{width:8px;height:8px}.qr i.on{background:#1f2329}h2{font-size:14px;margin:16px 0 8px}.m{display:block;padding:10px 12px;border-top:1px solid #eee;color:#1f2329;text-decoration:none}.m:hover{background:#f5f8ff}small{color:#8f959e}.refuse{display:block;text-align:center;margin-top:12px;color:#8f959e}</style>
<div class="card"><h1>${esc(corp.name)}</h1><p>${en ? 'Scan with WeCom to log in' : '请使用企业微信扫描二维码登录'}</p><div class="qr" aria-hidden="true">${cells}</div>
<h2>${en ? 'Sandbox: scan as' : '沙箱：以下列成员身份扫码'}</h2>${items.join('')}<a class="refuse" href="?${esc(base.toString())}">${en ? 'Refuse' : '拒绝登录'}</a></div></html>`);
  });

  r.get(['/sandbox', '/sandbox/'], (_req, res) => {
    res.type('html').send(CONTROL_PAGE);
  });
  return r;
}

const CONTROL_PAGE = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>沙箱企业微信 · 控制台</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,">
<style>
body{font:14px -apple-system,'PingFang SC','Microsoft YaHei',sans-serif;margin:0;background:#f5f6f7;color:#1f2329}
header{background:#0082ef;color:#fff;padding:12px 20px;font-size:16px}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px;padding:16px}
section{background:#fff;border-radius:8px;padding:16px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
h2{font-size:15px;margin:0 0 12px}label{display:block;color:#646a73;margin:8px 0 4px}
select,input{width:100%;box-sizing:border-box;padding:7px 8px;border:1px solid #dee0e3;border-radius:4px;font:inherit}
button{margin-top:12px;background:#0082ef;color:#fff;border:0;border-radius:4px;padding:8px 14px;font:inherit;cursor:pointer}
pre{background:#f5f6f7;padding:8px;border-radius:4px;white-space:pre-wrap;max-height:260px;overflow:auto;font-size:12px}
.hint{color:#8f959e;font-size:12px;line-height:1.6;margin:8px 0 0}
table{width:100%;border-collapse:collapse;font-size:12px}td,th{border-bottom:1px solid #eee;padding:4px;text-align:left}
</style>
<header>沙箱企业微信 · 控制台 <small id="corpname"></small></header>
<main>
<section><h2>选择企业</h2><select id="corp"></select><p id="summary"></p></section>
<section><h2>模拟客户扫码添加（渠道码）</h2>
<label>渠道码 state</label><select id="way"></select>
<label>添加的成员</label><select id="wayuser"></select>
<label>客户昵称</label><input id="cname" value="陈女士">
<button id="scan">模拟客户扫码添加</button><button id="accept">导购通过好友申请（渠道码需验证时）</button><pre id="scanout"></pre></section>
<section><h2>客户向导购付款（对外收款）</h2>
<label>收款导购</label><select id="payee"></select>
<label>客户 external_userid（可空）</label><input id="payer">
<label>金额（元）</label><input id="amount" value="399.00">
<button id="pay">付款</button>
<label>退款：交易单号</label><input id="tx"><label>退款金额（元）</label><input id="ramount" value="100.00">
<button id="refund">退款</button><pre id="payout"></pre>
<p class="hint">WeCom 不为对外收款发回调：Guidepost 定时拉取账单（演示中约每 30 秒，生产默认每 5 分钟），之后付款和退款计入收款导购的「我的业绩」。</p></section>
<section><h2>导购在客户端编辑标签</h2>
<label>导购</label><select id="tguide"></select><label>客户 external_userid</label><input id="tcust">
<label>添加标签</label><select id="ttag"></select>
<button id="tag">添加</button> <button id="untag">移除</button><pre id="tagout"></pre></section>
<section><h2>删除好友</h2>
<label>导购</label><select id="dguide"></select><label>客户 external_userid</label><input id="dcust">
<button id="custdel">客户删除导购</button> <button id="guidedel">导购删除客户</button><pre id="delout"></pre></section>
<section><h2>管理后台编辑企业标签</h2>
<label>标签组</label><input id="agroup" value="客户价值"><label>新标签名</label><input id="aname" value="重点培养">
<button id="acreate">新建标签</button><pre id="aout"></pre></section>
<section style="grid-column:1/-1"><h2>回调投递记录</h2><table><thead><tr><th>事件</th><th>类型</th><th>状态</th><th>次数</th><th>时间</th></tr></thead><tbody id="log"></tbody></table></section>
</main>
<script>
const $=id=>document.getElementById(id);
const yuanToFen=v=>{const m=/^(\\d+)(?:\\.(\\d{1,2}))?$/.exec(v.trim());if(!m)throw new Error('金额格式：如 399.00');return Number(m[1])*100+Number((m[2]||'').padEnd(2,'0'))};
async function api(path,body){const r=await fetch('/sandbox/api'+path,body?{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body)}:{});const j=await r.json();if(!r.ok)throw new Error(j.error||r.status);return j}
const opt=(v,t)=>{const o=document.createElement('option');o.value=v;o.textContent=t;return o};
async function load(){const corps=await api('/corps');$('corp').replaceChildren(...corps.map(c=>opt(c.corpid,c.name+' ('+c.corpid+')')));if(corps.length)await pick()}
async function pick(){const c=await api('/corps/'+encodeURIComponent($('corp').value));$('corpname').textContent=c.name;
$('summary').textContent=c.members.length+' 名成员 · '+c.contactWays.length+' 个渠道码';
ways=c.contactWays;names=new Map(c.members.map(m=>[m.userid,m.name]));
$('way').replaceChildren(...c.contactWays.map(w=>opt(w.state,w.state+' → '+w.user.slice(0,3).map(u=>names.get(u)||u).join(', ')+(w.user.length>3?' …':''))));wayUsers();
for(const id of ['payee','tguide','dguide'])$(id).replaceChildren(...c.members.map(m=>opt(m.userid,m.name+' ('+m.userid+')')));
$('ttag').replaceChildren(...c.groups.flatMap(g=>g.tag.map(t=>opt(t.id,g.group_name+' / '+t.name))));refreshLog()}
async function refreshLog(){if(!$('corp').value)return;const l=await api('/corps/'+encodeURIComponent($('corp').value)+'/callbacks');
$('log').replaceChildren(...l.slice(-30).reverse().map(e=>{const tr=document.createElement('tr');for(const v of [e.event,e.change_type||'',e.status+(e.last_error?' ('+e.last_error+')':''),e.attempts,new Date(e.at).toLocaleTimeString()]){const td=document.createElement('td');td.textContent=v;tr.append(td)}return tr}))}
const run=(btn,out,fn)=>$(btn).onclick=async()=>{try{$(out).textContent=JSON.stringify(await fn(),null,2);setTimeout(refreshLog,300)}catch(e){$(out).textContent='失败：'+e.message}};
const corp=()=>'/corps/'+encodeURIComponent($('corp').value);
let ways=[],names=new Map();
function wayUsers(){const w=ways.find(x=>x.state===$('way').value);if(!w)return $('wayuser').replaceChildren();
$('wayuser').replaceChildren(...w.user.map(u=>opt(u,(names.get(u)||u)+' ('+u+')')),...(w.user.length>1?[opt('','随机（多人渠道码由 WeCom 分配）')]:[]))}
$('way').onchange=wayUsers;
// The customer just added is the one to pay, tag or delete next.
function carry(ext,userid){for(const id of ['payer','tcust','dcust'])$(id).value=ext;for(const id of ['payee','tguide','dguide'])$(id).value=userid}
let lastScan=null;
run('scan','scanout',async()=>{const r=await api(corp()+'/actions/scan-contact-way',{state:$('way').value,userid:$('wayuser').value||undefined,customer:{name:$('cname').value,gender:2}});lastScan=r;carry(r.external_userid,r.userid);return r});
run('accept','scanout',()=>api(corp()+'/actions/accept-contact',{userid:lastScan?.userid??$('wayuser').value,external_userid:lastScan?.external_userid??''}));
run('pay','payout',async()=>{const r=await api(corp()+'/actions/transfer',{payee_userid:$('payee').value,external_userid:$('payer').value||undefined,amount_fen:yuanToFen($('amount').value)});$('tx').value=r.transaction_id;return r});
run('refund','payout',()=>api(corp()+'/actions/refund',{transaction_id:$('tx').value,amount_fen:yuanToFen($('ramount').value)}));
run('tag','tagout',()=>api(corp()+'/actions/edit-tags',{userid:$('tguide').value,external_userid:$('tcust').value,add:[$('ttag').value]}));
run('untag','tagout',()=>api(corp()+'/actions/edit-tags',{userid:$('tguide').value,external_userid:$('tcust').value,remove:[$('ttag').value]}));
run('custdel','delout',()=>api(corp()+'/actions/customer-deletes-guide',{userid:$('dguide').value,external_userid:$('dcust').value}));
run('guidedel','delout',()=>api(corp()+'/actions/delete-customer',{userid:$('dguide').value,external_userid:$('dcust').value}));
run('acreate','aout',async()=>{const r=await api(corp()+'/actions/admin-edit-tag',{change:'create',group_name:$('agroup').value,name:$('aname').value});await pick();return r});
$('corp').onchange=pick;load();setInterval(refreshLog,3000);
</script></html>`;
