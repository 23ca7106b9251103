import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedImages } from '../testing/seed-images.ts';
import { type TestEngine, createTestProject } from '../testing/test-engine.ts';

let t: TestEngine;
let ids: number[];
const db = () => t.engine.ctx.project().db;
const groupsOf = (list: number[]) => list.map((i) => db().prepare('SELECT group_id FROM images WHERE id = ?').pluck().get(i));

beforeEach(async () => {
  t = await createTestProject();
  // 0-1-2 a chain of near copies (0~1 at 2 bits, 1~2 at 2 bits, 0~2 at 4), 3~4 a pair, 5 alone, 6 an excluded near copy of 5.
  const phashes = ['0000000000000000', '0000000000000003', '000000000000000f', 'ffff000000000000', 'ffff000000000001', 'aaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaab'];
  ids = seedImages(db(), phashes.length, {
    phash: (i) => phashes[i],
    group: (i) => [null, 'P7', null, 'P1', 'P2', null, null][i],
    excluded: (i) => i === 6,
  });
});
afterEach(async () => t.dispose());

describe('duplicates', () => {
  it('clusters chains of near pairs, biggest first, leaving excluded images out', async () => {
    const page = await t.client.invoke('images.nearClusters', {});
    expect(page).toEqual({
      clusters: [
        { imageIds: [ids[0], ids[1], ids[2]], maxDistance: 2, groups: [null, 'P7', null] },
        { imageIds: [ids[3], ids[4]], maxDistance: 1, groups: ['P1', 'P2'] },
      ],
      total: 2,
      images: 5,
      threshold: 3,
    });
    expect((await t.client.invoke('images.nearClusters', { offset: 1, limit: 1 })).clusters.map((c) => c.imageIds)).toEqual([[ids[3], ids[4]]]);
  });

  it("names an image's near twins, closest first, excluded ones too", async () => {
    expect(await t.client.invoke('images.nearTwins', { imageId: ids[1] })).toEqual([
      { imageId: ids[0], distance: 2 },
      { imageId: ids[2], distance: 2 },
    ]);
    expect(await t.client.invoke('images.nearTwins', { imageId: ids[5] })).toEqual([{ imageId: ids[6], distance: 1 }]);
    await expect(t.client.invoke('images.nearTwins', { imageId: 999 })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('puts a cluster in the group most of it has, or a new one, so that a split keeps it together', async () => {
    expect(await t.client.invoke('images.sameGroup', { imageIds: [ids[0], ids[1], ids[2]] })).toEqual({ groupId: 'P7', changed: 2 });
    expect(groupsOf([ids[0], ids[1], ids[2]])).toEqual(['P7', 'P7', 'P7']);
    expect(await t.client.invoke('images.sameGroup', { imageIds: [ids[5], ids[6]] })).toEqual({ groupId: `near-${ids[5]}`, changed: 2 });
    expect(groupsOf([ids[5], ids[6]])).toEqual([`near-${ids[5]}`, `near-${ids[5]}`]);
    // A tie between two groups goes to the first name; the split report then sees one group.
    await t.client.invoke('images.sameGroup', { imageIds: [ids[4], ids[3]] });
    expect(groupsOf([ids[3], ids[4]])).toEqual(['P1', 'P1']);
    await expect(t.client.invoke('images.sameGroup', { imageIds: [ids[0]] })).rejects.toMatchObject({ code: 'validation' });
  });
});
