/**
 * The paths a bundle of electron/build.mjs finds relative to itself, read from its text: what the
 * bundle test checks against the build and the package test against the package.
 */

/** Every `new URL(x, import.meta.url)` in the bundles: string literals, and the text of any other x. */
export function urlsRelativeToModule(sources: string[]): { literal: string[]; other: string[] } {
  const literal = new Set<string>();
  const other = new Set<string>();
  for (const src of sources) {
    for (const m of src.matchAll(/new URL\(\s*([^,()]+?)\s*,\s*import\.meta\.url\s*\)/g)) {
      const arg = m[1];
      const plain = /^(["'])([^"'`$]*)\1$/.exec(arg) ?? /^`([^`$]*)`$/.exec(arg);
      if (plain) literal.add(plain.at(-1)!);
      else other.add(arg);
    }
  }
  return { literal: [...literal], other: [...other] };
}

/** The processEntry(bundled, source) calls in a bundle (esbuild may suffix the name on a clash). */
export function processEntries(src: string): { bundled: string; source: string }[] {
  return [...src.matchAll(/processEntry\d*\(\s*"([^"]+)",\s*"([^"]+)"\s*\)/g)]
    .map((m) => ({ bundled: m[1], source: m[2] }))
    .sort((a, b) => a.bundled.localeCompare(b.bundled));
}
