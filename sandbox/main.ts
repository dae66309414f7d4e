/** `npm run start:sandbox`: the sandbox WeCom on SANDBOX_PORT (default 3100). */
import { startSandbox } from './wecom/server';

const port = Number(process.env.SANDBOX_PORT ?? 3100);
const host = process.env.HOST ?? '127.0.0.1';
const sandbox = await startSandbox({
  port,
  host,
  appUrl: process.env.PUBLIC_URL ?? `http://${host}:${process.env.PORT ?? 3000}`,
});
console.log(
  `sandbox WeCom listening on ${sandbox.url} (controls: ${sandbox.url}/sandbox/, desktop client: ${sandbox.url}/client/)`,
);

const stop = async () => {
  await sandbox.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
