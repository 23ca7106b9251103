/**
 * `npm run bench [filter]`: runs every exported function of test/bench/*.bench.ts (each prints its
 * own figures, with ratios against a reference measured in the same run). Benchmarks are not tests:
 * speed targets live here, never in timed unit tests.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2];
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort();

if (files.length === 0) {
  console.error(`No benchmark matches "${filter}". Available: ${readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).join(', ')}`);
  process.exit(2);
}

for (const file of files) {
  const mod = (await import(pathToFileURL(`${dir}/${file}`).href)) as Record<string, unknown>;
  for (const [name, fn] of Object.entries(mod)) {
    if (typeof fn !== 'function') continue;
    console.log(`\n== ${file} :: ${name}`);
    const t0 = performance.now();
    await (fn as () => Promise<unknown>)();
    console.log(`   (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
}
