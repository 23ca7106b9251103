import { describe, expect, it } from 'vitest';
import { FakeClient } from '../testing/fake-client.ts';
import { ViewerLaunch } from './viewer-launch.svelte.ts';

describe('ViewerLaunch', () => {
  it('opens an image, loads the class names once, and names unknown ids by number', async () => {
    let loads = 0;
    const tasks = () => {
      loads++;
      return [{ classes: [{ id: 3, name: 'opacity' }] }, { classes: [{ id: 9, name: 'portable' }] }];
    };
    const client = new FakeClient({ 'labels.tasks': tasks as never });
    const viewer = new ViewerLaunch(client, (e) => {
      throw e;
    });
    expect(viewer.className(3)).toBe('#3');
    await viewer.open(12);
    expect(viewer.imageId).toBe(12);
    expect([viewer.className(3), viewer.className(9), viewer.className(4)]).toEqual(['opacity', 'portable', '#4']);
    viewer.close();
    expect(viewer.imageId).toBeNull();
    await viewer.open(13);
    expect([viewer.imageId, loads]).toEqual([13, 1]);
  });
});
