import { defineStore } from 'pinia';
import type { Bootstrap } from '../../../core/contracts/sidebar';
import { ApiError } from '../net/http';
import { api } from '../net/sidebar';
import { type ChatContext, WecomError, chatContext, connect, inWecom } from '../wecom';

export type StartError =
  { kind: 'not_wecom' } | { kind: 'config'; detail: string } | { kind: 'api'; code: string; message: string };

/** Start-up: WeCom registration, the chat's context, and who the guide is. */
export const useSession = defineStore('session', {
  state: () => ({
    phase: 'starting' as 'starting' | 'ready' | 'error',
    error: null as StartError | null,
    boot: null as Bootstrap | null,
    context: null as ChatContext | null,
  }),
  actions: {
    async start() {
      this.phase = 'starting';
      this.error = null;
      try {
        if (!inWecom())
          throw Object.assign(new Error('not in WeCom'), { startError: { kind: 'not_wecom' } as StartError });
        const [boot] = await Promise.all([api.bootstrap(), connect(api.signatures)]);
        this.boot = boot;
        this.context = await chatContext();
        this.phase = 'ready';
      } catch (err) {
        this.phase = 'error';
        if (err instanceof WecomError) this.error = { kind: 'config', detail: err.errMsg };
        else if (err instanceof ApiError) this.error = { kind: 'api', code: err.code, message: err.message };
        else if (err && typeof err === 'object' && 'startError' in err)
          this.error = (err as { startError: StartError }).startError;
        else this.error = { kind: 'api', code: 'UNKNOWN', message: err instanceof Error ? err.message : String(err) };
      }
    },
  },
});
