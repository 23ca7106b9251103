import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BrowseListing } from '../../../../shared/contract/system.ts';
import { EngineError } from '../../../../shared/contract/errors.ts';
import { FakeClient } from '../../lib/testing/fake-client.ts';
import PathBrowser from './PathBrowser.svelte';

afterEach(cleanup);

const listing = (dir: string, over: Partial<BrowseListing> = {}): BrowseListing => ({
  dir, parent: dir === '/' ? null : dir.replace(/\/[^/]+$/, '') || '/', home: '/home/ana', folders: [], images: [], otherFiles: 0, hidden: 0, ...over,
});
const TREE: Record<string, BrowseListing> = {
  '/home/ana': listing('/home/ana', {
    folders: [{ name: 'xrays', path: '/home/ana/xrays', images: 0, folders: 2 }, { name: 'locked', path: '/home/ana/locked', images: null, folders: null }],
    otherFiles: 3, hidden: 4,
  }),
  '/home/ana/xrays': listing('/home/ana/xrays', {
    folders: [{ name: 'normal', path: '/home/ana/xrays/normal', images: 12, folders: 0 }, { name: 'opacity', path: '/home/ana/xrays/opacity', images: 1, folders: 1 }],
    images: [{ name: 'scan0001', path: '/home/ana/xrays/scan0001', size: 524_288 }],
  }),
};

function fakeEngine() {
  return new FakeClient({
    'system.browse': ({ dir, hidden }) => {
      const at = dir ?? '/home/ana';
      const found = TREE[at];
      if (!found) throw new EngineError('not-found', `${at} does not exist on the engine's machine; check the path.`);
      return hidden ? { ...found, hidden: 0 } : found;
    },
  });
}

describe('PathBrowser', () => {
  it('starts at the home folder, opens folders with their counts, and adds the folder shown', async () => {
    const client = fakeEngine();
    const onChoose = vi.fn();
    render(PathBrowser, { client, onChoose, onClose: vi.fn() });
    await vi.waitFor(() => expect(screen.getAllByTestId('browse-folder')).toHaveLength(2));
    expect(client.calls[0]).toEqual({ method: 'system.browse', args: { hidden: false } });
    expect(screen.getAllByTestId('browse-folder').map((r) => r.textContent?.replace(/\s+/g, ' ').trim())).toEqual(['xrays/ 2 folders', 'locked/ —']);
    expect(screen.getByTestId('browse-summary').textContent?.replace(/\s+/g, ' ').trim()).toBe('2 folders, 0 images, 3 other files, 4 hidden');
    expect((screen.getByLabelText('Folder') as HTMLInputElement).value).toBe('/home/ana');

    await fireEvent.click(screen.getByRole('button', { name: 'xrays/' }));
    await vi.waitFor(() => expect((screen.getByLabelText('Folder') as HTMLInputElement).value).toBe('/home/ana/xrays'));
    expect(screen.getAllByTestId('browse-folder').map((r) => r.textContent?.replace(/\s+/g, ' ').trim())).toEqual(['normal/ 12 images', 'opacity/ 1 image · 1 folder']);
    expect(screen.getAllByTestId('browse-image').map((r) => r.textContent?.replace(/\s+/g, ' ').trim())).toEqual(['scan0001 512 KB']);

    await fireEvent.click(screen.getByRole('button', { name: 'Add this folder' }));
    expect(onChoose).toHaveBeenCalledWith(['/home/ana/xrays']);
  });

  it('adds the ticked folders and images in the order ticked, goes up, and shows hidden entries on request', async () => {
    const client = fakeEngine();
    const onChoose = vi.fn();
    render(PathBrowser, { client, onChoose, onClose: vi.fn() });
    await fireEvent.click(await screen.findByRole('button', { name: 'xrays/' }));
    await fireEvent.click(await screen.findByLabelText('Select image scan0001'));
    await fireEvent.click(screen.getByLabelText('Select folder opacity'));
    await fireEvent.click(screen.getByLabelText('Select folder normal'));
    await fireEvent.click(screen.getByLabelText('Select folder opacity'));
    await fireEvent.click(screen.getByRole('button', { name: 'Add 2 selected' }));
    expect(onChoose).toHaveBeenCalledWith(['/home/ana/xrays/scan0001', '/home/ana/xrays/normal']);

    await fireEvent.click(screen.getByRole('button', { name: 'Parent folder' }));
    await vi.waitFor(() => expect((screen.getByLabelText('Folder') as HTMLInputElement).value).toBe('/home/ana'));
    await fireEvent.click(screen.getByLabelText('Hidden'));
    await vi.waitFor(() => expect(client.calls.at(-1)).toEqual({ method: 'system.browse', args: { dir: '/home/ana', hidden: true } }));
    await vi.waitFor(() => expect(screen.getByTestId('browse-summary').textContent).not.toContain('hidden'));
  });

  it('says in place why a typed folder cannot be listed, keeps the last listing, and closes on Escape', async () => {
    const onClose = vi.fn();
    render(PathBrowser, { client: fakeEngine(), onChoose: vi.fn(), onClose });
    await screen.findAllByTestId('browse-folder');
    await fireEvent.input(screen.getByLabelText('Folder'), { target: { value: '/mnt/scans' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Go' }));
    expect((await screen.findByTestId('browse-error')).textContent).toBe("/mnt/scans does not exist on the engine's machine; check the path.");
    expect(screen.getAllByTestId('browse-folder')).toHaveLength(2);
    await fireEvent.keyDown(screen.getByTestId('path-browser'), { key: 'Escape' });
    expect(onClose).toHaveBeenCalledOnce();
  });

  it("keeps a path typed while the home folder is still being listed, and Go lists that path", async () => {
    // The e2e run caught it: the home folder's answer arrived after the user had typed a path and
    // replaced it, so Go listed the home folder again.
    let answerHome = (): void => {};
    const home = new Promise<void>((resolve) => (answerHome = resolve));
    const client = new FakeClient({
      'system.browse': async ({ dir }) => {
        if (dir === undefined) await home;
        return TREE[dir ?? '/home/ana'];
      },
    });
    render(PathBrowser, { client, onChoose: vi.fn(), onClose: vi.fn() });
    const field = screen.getByLabelText('Folder') as HTMLInputElement;
    await fireEvent.input(field, { target: { value: '/home/ana/xrays' } });
    answerHome();
    await vi.waitFor(() => expect(screen.getAllByTestId('browse-folder')).toHaveLength(2));
    expect(field.value).toBe('/home/ana/xrays');

    await fireEvent.click(screen.getByRole('button', { name: 'Go' }));
    await vi.waitFor(() => expect(screen.getAllByTestId('browse-folder').map((r) => r.textContent?.replace(/\s+/g, ' ').trim())).toEqual(['normal/ 12 images', 'opacity/ 1 image · 1 folder']));
    expect(client.calls.map((c) => c.args)).toEqual([{ hidden: false }, { dir: '/home/ana/xrays', hidden: false }]);
    expect(field.value).toBe('/home/ana/xrays');
  });
});
