import { z } from 'zod';
import type { DuplicateHandlers, NearCluster } from '../../../shared/contract/duplicates.ts';
import type { EngineContext } from '../context.ts';
import type { Database } from '../db/database.ts';
import type { Implementation } from '../handler.ts';
import { requireImages } from '../labels/label-store.ts';
import { NEAR_THRESHOLD, type NearPair, projectNearPairs } from './near-duplicates.ts';

const id = z.number().int().positive();

/** Connected components of the near pairs among included images, biggest first, then by first id. */
export function nearClusters(db: Database): NearCluster[] {
  const excluded = new Set(db.prepare('SELECT id FROM images WHERE excluded = 1').pluck().all() as number[]);
  const pairs = projectNearPairs(db).filter((p) => !excluded.has(p.a) && !excluded.has(p.b));
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let root = x;
    while ((parent.get(root) ?? root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  for (const p of pairs) {
    const [ra, rb] = [find(p.a), find(p.b)];
    if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb));
  }
  const members = new Map<number, { ids: Set<number>; pairs: NearPair[] }>();
  for (const p of pairs) {
    const root = find(p.a);
    const c = members.get(root) ?? { ids: new Set<number>(), pairs: [] };
    c.ids.add(p.a).add(p.b);
    c.pairs.push(p);
    members.set(root, c);
  }
  const groupOf = db.prepare('SELECT group_id FROM images WHERE id = ?').pluck();
  return [...members.values()]
    .map((c) => {
      const imageIds = [...c.ids].sort((a, b) => a - b);
      return { imageIds, maxDistance: Math.max(...c.pairs.map((p) => p.distance)), groups: imageIds.map((i) => (groupOf.get(i) as string | null) ?? null) };
    })
    .sort((a, b) => b.imageIds.length - a.imageIds.length || a.imageIds[0] - b.imageIds[0]);
}

/** The group shared by most of the images, or a new one named after the first; images already in it are left alone. */
export function putInOneGroup(db: Database, imageIds: number[]): { groupId: string; changed: number } {
  const ids = [...new Set(imageIds)].sort((a, b) => a - b);
  const groups = db.prepare(`SELECT group_id FROM images WHERE id IN (SELECT value FROM json_each(?)) AND group_id IS NOT NULL`).pluck().all(JSON.stringify(ids)) as string[];
  const counts = new Map<string, number>();
  for (const g of groups) counts.set(g, (counts.get(g) ?? 0) + 1);
  const groupId = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? `near-${ids[0]}`;
  const changed = db
    .prepare(`UPDATE images SET group_id = ? WHERE id IN (SELECT value FROM json_each(?)) AND group_id IS NOT ?`)
    .run(groupId, JSON.stringify(ids), groupId).changes;
  return { groupId, changed };
}

export function duplicateHandlers(ctx: EngineContext): Implementation<DuplicateHandlers> {
  const db = () => ctx.project().db;
  return {
    'images.nearClusters': {
      schema: z.object({ offset: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(1000).optional() }),
      run: ({ offset = 0, limit = 100 }) => {
        const all = nearClusters(db());
        return {
          clusters: all.slice(offset, offset + limit),
          total: all.length,
          images: all.reduce((n, c) => n + c.imageIds.length, 0),
          threshold: NEAR_THRESHOLD,
        };
      },
    },
    'images.nearTwins': {
      schema: z.object({ imageId: id }),
      run: ({ imageId }) => {
        requireImages(db(), [imageId]);
        return projectNearPairs(db())
          .filter((p) => p.a === imageId || p.b === imageId)
          .map((p) => ({ imageId: p.a === imageId ? p.b : p.a, distance: p.distance }))
          .sort((a, b) => a.distance - b.distance || a.imageId - b.imageId);
      },
    },
    'images.sameGroup': {
      schema: z.object({ imageIds: z.array(id).min(2, { message: 'give at least two images to put in one group' }).max(100_000) }),
      run: ({ imageIds }) => {
        requireImages(db(), imageIds);
        const result = db().transaction(() => putInOneGroup(db(), imageIds)).immediate();
        ctx.projectChanged();
        return result;
      },
    },
  };
}
