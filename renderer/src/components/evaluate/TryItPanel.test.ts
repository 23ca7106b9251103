import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TRY_UPLOAD_PART, type TryUploadArgs } from '../../../../shared/contract/try-it.ts';
import { TryIt, toBase64 } from '../../lib/state/try-it.svelte.ts';
import { FakeClient } from '../../lib/testing/fake-client.ts';
import TryItPanel from './TryItPanel.svelte';

afterEach(cleanup);

describe('TryItPanel', () => {
  it('sends a dropped file in parts, then shows the run’s probabilities, highest first, with the Grad-CAM overlay', async () => {
    const bytes = new Uint8Array(TRY_UPLOAD_PART + 10).map((_, i) => i % 251);
    const parts: TryUploadArgs[] = [];
    const client = new FakeClient({
      'predict.upload': (a) => (parts.push(a), { uploadId: 'u-1', bytes: 0 }),
      'predict.files': () => ({
        runId: 5,
        classes: ['normal', 'effusion'],
        multiLabel: false,
        items: [{ source: 'new.png', probs: [0.25, 0.75], predictedClass: 1, overlay: 'data:image/png;base64,AAAA', error: null }],
      }),
    });
    const tryIt = new TryIt(client, (e) => { throw e; });
    render(TryItPanel, { tryIt, runId: 5 });
    const file = new File([bytes], 'new.png', { type: 'image/png' });
    await fireEvent.drop(screen.getByRole('region', { name: 'Drop images to try' }), { dataTransfer: { files: [file] } });
    await vi.waitFor(() => expect(screen.getAllByTestId('try-result')).toHaveLength(1));

    expect(parts.map((p) => [p.uploadId, p.name, p.data])).toEqual([
      [undefined, 'new.png', toBase64(bytes.subarray(0, TRY_UPLOAD_PART))],
      ['u-1', 'new.png', toBase64(bytes.subarray(TRY_UPLOAD_PART))],
    ]);
    expect(client.calls.at(-1)).toEqual({ method: 'predict.files', args: { runId: 5, sources: [{ uploadId: 'u-1' }] } });
    const rows = screen.getAllByRole('listitem').filter((li) => li.closest('.probs'));
    expect(rows.map((li) => li.textContent?.replace(/\s+/g, ' ').trim())).toEqual(['effusion 75.0%', 'normal 25.0%']);
    expect(screen.getByRole('img', { name: 'Grad-CAM of new.png for effusion' }).getAttribute('src')).toBe('data:image/png;base64,AAAA');
  });

  it('predicts a pasted path as it is', async () => {
    const client = new FakeClient({ 'predict.files': () => ({ runId: 2, classes: ['a'], multiLabel: false, items: [{ source: '/x/y.dcm', probs: null, predictedClass: null, overlay: null, error: '/x/y.dcm: JPEG 2000 is not supported yet' }] }) });
    render(TryItPanel, { tryIt: new TryIt(client, (e) => { throw e; }), runId: 2 });
    await fireEvent.input(screen.getByLabelText(/paste the path/), { target: { value: ' /x/y.dcm ' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Predict' }));
    await vi.waitFor(() => expect(screen.getByRole('alert').textContent).toBe('/x/y.dcm: JPEG 2000 is not supported yet'));
    expect(client.calls).toEqual([{ method: 'predict.files', args: { runId: 2, sources: [{ path: '/x/y.dcm' }] } }]);
  });
});
