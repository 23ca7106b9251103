/** Types of build.mjs (plain JavaScript so it runs before any TypeScript tooling). */
export declare const EXTERNALS: string[];
export declare function buildElectron(outDir?: string): Promise<void>;
