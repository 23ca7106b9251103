// `node --import ./register-bundle-only.mjs out/main/index.mjs`: the bundle job test's proof that the
// desktop bundle runs on its own. Every process and thread started this way (forked and worker
// children inherit the flag) refuses tsx and TypeScript files, and logs each file of the app it
// loads (node_modules aside) to BUNDLE_LOAD_LOG, so the test can check that all of them are bundles.
import { register } from 'node:module';

register('./bundle-only-hooks.mjs', import.meta.url, { data: { log: process.env.BUNDLE_LOAD_LOG } });
