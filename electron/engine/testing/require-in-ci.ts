/**
 * Whether every test prerequisite is present. Locally a missing one skips its tests with a
 * warning naming the fix; under CI=true it fails the run, so a green CI never hides a skip.
 */
export function requireInCi(...checks: [present: boolean, fix: string][]): boolean {
  const missing = checks.filter(([present]) => !present).map(([, fix]) => fix);
  if (missing.length === 0) return true;
  if (process.env.CI === 'true') throw new Error(`Test prerequisites missing under CI: ${missing.join('; ')}`);
  console.warn(`Skipped: ${missing.join('; ')}`);
  return false;
}
