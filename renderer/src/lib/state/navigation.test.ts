import { describe, expect, it } from 'vitest';
import { Navigation, formatPlace, parsePlace } from './navigation.svelte.ts';

/** The parts of window Navigation uses: the URLs it writes are recorded. */
function fakeWindow(hash = '') {
  const urls: string[] = [];
  const location = { hash, pathname: '/', search: '?token=abc' };
  return { location, urls, history: { replaceState: (_d: unknown, _u: string, url: string) => void urls.push(url) } };
}

describe('the place in the URL hash', () => {
  it('round-trips a project folder with spaces and symbols, the view and the run', () => {
    const place = { project: '/data/Chest X-ray #2 & co', view: 'train', run: 7, compare: [3, 1], image: null };
    expect(formatPlace(place)).toBe('#project=%2Fdata%2FChest+X-ray+%232+%26+co&view=train&run=7&compare=3%2C1');
    expect(parsePlace(formatPlace(place))).toEqual(place);
    expect(parsePlace('')).toEqual({ project: null, view: null, run: null, compare: [], image: null });
    expect(parsePlace('#project=%2Fa&run=x&compare=2,-1,b,4&image=0')).toEqual({ project: '/a', view: null, run: null, compare: [2, 4], image: null });
    // Without a project the view means nothing.
    expect(formatPlace({ project: null, view: 'train', run: 3, compare: [1], image: 5 })).toBe('');
  });

  it('round-trips the image open in the viewer, and drops an id that is no image id', () => {
    const place = { project: '/data/a', view: 'dataset', run: null, compare: [], image: 4217 };
    expect(formatPlace(place)).toBe('#project=%2Fdata%2Fa&view=dataset&image=4217');
    expect(parsePlace(formatPlace(place))).toEqual(place);
    for (const bad of ['x', '-3', '2.5', '']) expect(parsePlace(`#project=%2Fdata%2Fa&image=${bad}`).image).toBeNull();
    const win = fakeWindow('#project=%2Fdata%2Fa&view=dataset&image=12');
    const nav = new Navigation(win);
    expect([nav.imageOf('/data/a'), nav.imageOf('/data/b')]).toEqual([12, null]);
    nav.setImage(13);
    expect(win.urls.at(-1)).toBe('/?token=abc#project=%2Fdata%2Fa&view=dataset&image=13');
    nav.setImage(null);
    expect(win.urls.at(-1)).toBe('/?token=abc#project=%2Fdata%2Fa&view=dataset');
    nav.setImage(13);
    nav.setProject('/data/b');
    expect(nav.imageOf('/data/b')).toBeNull();
    expect(win.urls.at(-1)).toBe('/?token=abc#project=%2Fdata%2Fb');
  });

  it('keeps the token query, remembers the view and run per project, and forgets them for another project', () => {
    const win = fakeWindow('#project=%2Fdata%2Fa&view=runs&run=4');
    const nav = new Navigation(win);
    expect([nav.viewOf('/data/a'), nav.runOf('/data/a')]).toEqual(['runs', 4]);
    expect([nav.viewOf('/data/b'), nav.runOf('/data/b')]).toEqual([null, null]);

    nav.setProject('/data/a');
    expect(win.urls).toEqual([]);
    nav.setView('train');
    nav.setRun(9);
    expect(win.urls.at(-1)).toBe('/?token=abc#project=%2Fdata%2Fa&view=train&run=9');
    nav.setCompare([2, 5]);
    expect(win.urls.at(-1)).toBe('/?token=abc#project=%2Fdata%2Fa&view=train&run=9&compare=2%2C5');
    expect(nav.compareOf('/data/a')).toEqual([2, 5]);
    expect(nav.compareOf('/data/b')).toEqual([]);
    nav.setCompare([]);
    nav.setProject('/data/b');
    expect(win.urls.at(-1)).toBe('/?token=abc#project=%2Fdata%2Fb');
    nav.setProject(null);
    expect(win.urls.at(-1)).toBe('/?token=abc');
    // A reloaded window reads what was written.
    expect(new Navigation({ ...win, location: { ...win.location, hash: '#project=%2Fdata%2Fa&view=train&run=9' } }).place).toEqual({ project: '/data/a', view: 'train', run: 9, compare: [], image: null });
  });
});
