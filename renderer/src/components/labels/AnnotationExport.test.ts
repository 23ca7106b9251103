import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClient } from '../../lib/testing/fake-client.ts';
import AnnotationExport from './AnnotationExport.svelte';

afterEach(cleanup);

describe('AnnotationExport', () => {
  it('asks the engine for the chosen format and saves the text it answers under its file name', async () => {
    const client = new FakeClient({
      'labels.export': ({ format }) => ({ format, images: 3, fileName: `chest-labels.${format === 'coco' ? 'coco.json' : format}`, text: `${format} text` }),
    });
    const saved: [string, string, string][] = [];
    render(AnnotationExport, { client, onError: (e) => { throw e; }, onSave: (...a) => void saved.push(a) });
    await fireEvent.click(screen.getByLabelText(/^COCO-style/));
    await fireEvent.click(screen.getByRole('button', { name: 'Download labels' }));
    await vi.waitFor(() => expect(saved).toEqual([['chest-labels.coco.json', 'coco text', 'application/json']]));
    expect(client.calls).toEqual([{ method: 'labels.export', args: { format: 'coco' } }]);
    expect(screen.getByTestId('annotation-export-done').textContent).toBe('Saved chest-labels.coco.json: 3 images, with groups, splits and exclusions.');
  });
});
