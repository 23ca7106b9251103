import { notFound } from '../../shared/contract/errors.ts';

export interface Asset {
  contentType: string;
  body: Buffer;
  /** Cache-Control max-age in seconds (0: always revalidate). */
  maxAge?: number;
}

/**
 * Produces the bytes behind an asset path such as `thumb/42`, given the rest of the path and the
 * query. Providers only ever resolve ids the project knows: no transport can turn an asset URL
 * into an arbitrary file read.
 */
export type AssetProvider = (rest: string, query: URLSearchParams) => Promise<Asset>;

/** Asset providers by first path segment; shared by the Electron protocol and the HTTP server. */
export class AssetRegistry {
  private readonly providers = new Map<string, AssetProvider>();

  register(prefix: string, provider: AssetProvider): void {
    if (this.providers.has(prefix)) throw new Error(`Asset prefix "${prefix}" is registered twice`);
    this.providers.set(prefix, provider);
  }

  async resolve(path: string, query = new URLSearchParams()): Promise<Asset> {
    const clean = path.replace(/^\/+/, '');
    const slash = clean.indexOf('/');
    const prefix = slash < 0 ? clean : clean.slice(0, slash);
    const rest = slash < 0 ? '' : clean.slice(slash + 1);
    const provider = this.providers.get(prefix);
    if (!provider || rest.includes('..')) throw notFound(`No asset at "${path}".`);
    return provider(rest, query);
  }
}
