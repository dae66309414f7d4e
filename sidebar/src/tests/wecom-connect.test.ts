import { beforeEach, describe, expect, it, vi } from 'vitest';

const ensure = vi.fn();
let options: { getAgentConfigSignature: (url: string) => Promise<unknown> } | null = null;
vi.mock('@wecom/jssdk', () => ({
  register: (o: typeof options) => {
    options = o;
  },
  ensureAgentConfigReady: async () => {
    await options!.getAgentConfigSignature(location.href);
    return ensure();
  },
}));
const { connect, WecomError } = await import('../wecom');

const sigs = {
  corpId: 'wwCORP',
  agentId: 1000002,
  config: { timestamp: 1, nonceStr: 'n', signature: 'a'.repeat(40) },
  agentConfig: { timestamp: 1, nonceStr: 'n', signature: 'b'.repeat(40) },
};

beforeEach(() => {
  ensure.mockReset();
});

describe('registering with WeCom', () => {
  it("retries a failed agentConfig once with a fresh signature, then gives up with the client's reason", async () => {
    ensure.mockRejectedValue({ errMsg: 'agentConfig:invalid signature', errCode: -1 });
    const fetchSignatures = vi.fn(async () => sigs);
    const err = await connect(fetchSignatures).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WecomError);
    expect((err as InstanceType<typeof WecomError>).errMsg).toBe('agentConfig:invalid signature');
    expect(ensure).toHaveBeenCalledTimes(2);
    expect(fetchSignatures).toHaveBeenCalledTimes(2);
  });

  it('succeeds when the retry does', async () => {
    ensure
      .mockRejectedValueOnce({ errMsg: 'agentConfig:invalid signature', errCode: -1 })
      .mockResolvedValueOnce({ errMsg: 'agentConfig:ok' });
    await expect(connect(async () => sigs)).resolves.toBeUndefined();
    expect(ensure).toHaveBeenCalledTimes(2);
  });
});
