/**
 * A corp as the sandbox WeCom knows it before our API talks to it: registered through the
 * sandbox's control API with its app (agentid and secret) and, given `callbackTo` (our API's base
 * URL), the callback WeCom's console would hold — our URL for the corp, with its Token and
 * EncodingAESKey. `extra` carries the rest the control API takes (mini-programs, app dates, …).
 */
export async function sandboxCorp(
  sandboxUrl: string,
  corp: { wecomCorpId: string; agentId: number; agentSecret: string; callbackToken?: string; callbackAesKey?: string },
  opts: { name: string; callbackTo?: string; extra?: Record<string, unknown> },
): Promise<void> {
  const callback =
    opts.callbackTo === undefined
      ? {}
      : {
          callback: {
            url: `${opts.callbackTo}/wecom/callback/${corp.wecomCorpId}`,
            token: corp.callbackToken,
            encodingAESKey: corp.callbackAesKey,
          },
        };
  const res = await fetch(`${sandboxUrl}/sandbox/api/corps`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      corpid: corp.wecomCorpId,
      name: opts.name,
      agentid: corp.agentId,
      secret: corp.agentSecret,
      ...callback,
      ...opts.extra,
    }),
  });
  if (!res.ok) throw new Error(`sandbox corp ${corp.wecomCorpId}: ${res.status} ${await res.text()}`);
}
