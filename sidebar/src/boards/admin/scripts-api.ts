import * as z from 'zod/mini';
import * as c from '../../../../core/contracts/admin-scripts';
import { BoardError, type Method, request } from '../http';

/** The script library's API client (api/routes/admin-scripts.routes.ts), over the consoles' one fetch. */
const call = <T>(schema: z.core.$ZodType<T>, url: string, method: Method = 'GET', body?: unknown): Promise<T> =>
  request(schema, url, body === undefined ? { method } : { method, body });
const ok = z.object({ ok: z.literal(true) });

export const scriptsApi = {
  library: () => call(c.scriptLibraryAdmin, '/api/admin/scripts'),
  createCategory: (name: string, scenario: string) =>
    call(c.scriptCategory, '/api/admin/script-categories', 'POST', { name, scenario }),
  renameCategory: (id: number, name: string) =>
    call(c.scriptCategory, `/api/admin/script-categories/${id}`, 'PUT', { name }),
  reorderCategories: (ids: number[]) =>
    call(z.object({ categories: z.array(c.scriptCategory) }), '/api/admin/script-categories/order', 'PUT', { ids }),
  deleteCategory: (id: number) => call(ok, `/api/admin/script-categories/${id}`, 'DELETE'),
  create: (s: c.ScriptBodyInput) => call(c.adminScript, '/api/admin/scripts', 'POST', s),
  update: (id: number, s: c.ScriptBodyInput) => call(c.adminScript, `/api/admin/scripts/${id}`, 'PUT', s),
  publish: (id: number) => call(c.adminScript, `/api/admin/scripts/${id}/publish`, 'POST', {}),
  withdraw: (id: number) => call(c.adminScript, `/api/admin/scripts/${id}/withdraw`, 'POST', {}),
  preview: (script: c.ScriptBodyInput, customerId: number) =>
    call(c.scriptPreview, '/api/admin/scripts/preview', 'POST', { script, customerId }),
  sampleCustomers: (q: string) =>
    call(c.sampleCustomers, `/api/admin/scripts/sample-customers?q=${encodeURIComponent(q)}`),
  /** The image itself is the body (PNG or JPG): stored and uploaded to WeCom. */
  async uploadImage(file: File): Promise<c.ScriptImage> {
    const res = await fetch(`/api/admin/script-images?filename=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'content-type': file.type || 'application/octet-stream' },
      body: file,
    });
    const json: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
      throw new BoardError(res.status, e?.code ?? 'HTTP_' + res.status, e?.message ?? res.statusText, e?.field);
    }
    return z.parse(c.scriptImage, json);
  },
};
