/** Types of build.mjs (plain JavaScript so it runs before any TypeScript tooling). */
export declare const EXTERNALS: string[];
export declare function buildElectron(outDir?: string): Promise<void>;
/** out/main/<name> -> its source, for every Node process and thread of the desktop app. */
export declare const NODE_ENTRIES: Record<string, string>;
