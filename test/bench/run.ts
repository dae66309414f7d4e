/**
 * `npm run bench -- <name> [args]`: runs one benchmark; each prints its figures and a final
 * `RESULT <name> key=value …` line.
 */
export {};

const benches: Record<string, () => Promise<{ main: (args: string[]) => Promise<void> }>> = {
  seed: () => import('./seed.bench'),
  attribution: () => import('./attribution.bench'),
  sidebar: () => import('./sidebar.bench'),
  'attribution-profile': () => import('./attribution-profile.bench'),
  boards: () => import('./boards.bench'),
  segment: () => import('./segment.bench'),
  close: () => import('./close.bench'),
};

const [name, ...args] = process.argv.slice(2);
const load = name ? benches[name] : undefined;
if (!load) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [args]`);
  process.exit(2);
}
await (await load()).main(args);
