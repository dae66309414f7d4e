/**
 * Fault injection for the fault suite (test/faults): `GP_FAULT_<POINT>=1` in a process's
 * environment makes it die at that point as a crash would (SIGKILL: no cleanup, no response).
 * Ignored when NODE_ENV is production.
 *
 * Points:
 * - `EXIT_AFTER_COMMIT` — POS ingestion (core/ingest/pos.ts), right after the facts' transaction
 *   commits and before anything is enqueued or the batch is recorded.
 */
export function faultPoint(point: 'EXIT_AFTER_COMMIT'): void {
  if (process.env.NODE_ENV === 'production' || process.env[`GP_FAULT_${point}`] !== '1') return;
  process.kill(process.pid, 'SIGKILL');
}
