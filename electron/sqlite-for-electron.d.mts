/** Types of sqlite-for-electron.mjs (plain JavaScript: npm runs it as postinstall, before any TypeScript tooling). */
export declare function installedElectron(): string | null;
export declare function electronAbi(version: string): string;
export declare function electronBuild(version: string, platform?: string, arch?: string): { file: string; present: boolean };
export declare function registersAbi(file: string, abi: string): boolean;
/** The reasons it could not (empty when the build is in place). */
export declare function makeElectronBuild(version: string, platform?: string, arch?: string): string[];
export declare function notBuiltMessage(version: string, file: string, reasons: string[]): string;
/** Environment variable: pack without the Electron build (a warning instead of an error), for the offline package test only. */
export declare const PACK_WITHOUT_ELECTRON_SQLITE: string;
/** electron-builder's beforePack hook (context: electron-builder's Arch enum and platform name). */
export declare function beforePack(context: { electronPlatformName: string; arch: number }): Promise<void>;
