import type { DuplicateLeak, GroupLeak, LeakageReport, NearLeak, SplitName } from '../../../shared/domain/splits.ts';
import type { Database } from '../db/database.ts';
import { NEAR_THRESHOLD, projectNearPairs } from '../images/near-duplicates.ts';

const NEAR_LIMIT = 1000;

interface Row {
  id: number;
  hash: string;
  phash: string | null;
  group_id: string | null;
  duplicate_of: number | null;
  split: SplitName;
}

/** Union-find over image ids: same hash or a duplicateOf link puts two images in one cluster. */
function exactClusters(rows: Row[]): Map<number, number> {
  const parent = new Map<number, number>(rows.map((r) => [r.id, r.id]));
  const find = (x: number): number => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  const union = (a: number, b: number) => {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb));
  };
  const firstOfHash = new Map<string, number>();
  for (const r of rows) {
    const first = firstOfHash.get(r.hash);
    if (first === undefined) firstOfHash.set(r.hash, r.id);
    else union(first, r.id);
    if (r.duplicate_of !== null && parent.has(r.duplicate_of)) union(r.duplicate_of, r.id);
  }
  const roots = new Map<number, number>();
  for (const r of rows) roots.set(r.id, find(r.id));
  return roots;
}

function groupLeaks(rows: Row[]): GroupLeak[] {
  const groups = new Map<string, Record<SplitName, number>>();
  for (const r of rows) {
    if (r.group_id === null) continue;
    const counts = groups.get(r.group_id) ?? { train: 0, val: 0, test: 0 };
    counts[r.split]++;
    groups.set(r.group_id, counts);
  }
  return [...groups]
    .filter(([, c]) => [c.train, c.val, c.test].filter((n) => n > 0).length > 1)
    .map(([groupId, counts]) => ({ groupId, counts }))
    .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

/**
 * Everything that could let a model see its test images during training: groups (patients) in two
 * splits, the same pixels in two splits, and perceptually near images (phash distance <= NEAR_THRESHOLD) in two
 * splits. Only included images with a split are checked.
 */
export function findLeakage(db: Database): LeakageReport {
  const rows = db
    .prepare(
      `SELECT i.id, i.hash, i.phash, i.group_id, i.duplicate_of, s.split FROM images i JOIN splits s ON s.image_id = i.id
       WHERE i.excluded = 0 ORDER BY i.id`,
    )
    .all() as Row[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const roots = exactClusters(rows);
  const clusters = new Map<number, Row[]>();
  for (const r of rows) {
    const root = roots.get(r.id)!;
    const members = clusters.get(root);
    if (members) members.push(r);
    else clusters.set(root, [r]);
  }
  const exact: DuplicateLeak[] = [...clusters.values()]
    .filter((members) => new Set(members.map((m) => m.split)).size > 1)
    .map((members) => ({ images: members.map((m) => ({ id: m.id, split: m.split })) }));
  const withPhash = rows.filter((r) => r.phash !== null).length;
  // The project's near pairs are cached; keep those whose two images sit in different splits.
  const near: NearLeak[] = projectNearPairs(db)
    .filter((p) => byId.has(p.a) && byId.has(p.b) && byId.get(p.a)!.split !== byId.get(p.b)!.split && roots.get(p.a) !== roots.get(p.b))
    .map((p) => ({ a: { id: p.a, split: byId.get(p.a)!.split }, b: { id: p.b, split: byId.get(p.b)!.split }, distance: p.distance }));
  return {
    groups: groupLeaks(rows),
    exact,
    near: near.slice(0, NEAR_LIMIT),
    nearTotal: near.length,
    nearThreshold: NEAR_THRESHOLD,
    withoutPhash: rows.length - withPhash,
  };
}
