/** Types of sqlite-binding.mjs (plain JavaScript so that start.mjs and the install script can use it). */
export interface Versions {
  electron?: string;
  modules: string;
}
/** Where better-sqlite3 is; defaults to the package this module resolves. */
export interface Place {
  packageDir?: string;
  platform?: string;
  arch?: string;
}
export declare const BINARY: string;
export declare const FETCH_COMMAND: string;
export declare function sqlitePackageDir(): string;
export declare function electronBuildPath(where: Place & { abi: string }): string;
export declare function sqliteNativeBinding(versions?: Versions, place?: Place): string | undefined;
export declare function missingElectronBuildMessage(versions: Versions, file: string): string;
export declare function sqliteBuildProblem(versions?: Versions, place?: Place): string | null;
