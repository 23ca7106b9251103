import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError, notFound, validation } from '../../../shared/contract/errors.ts';
import { handleError, ToastState } from '../lib/state/toasts.svelte.ts';
import ToastList from './ToastList.svelte';

afterEach(cleanup);

function mount(toasts: ToastState) {
  return render(ToastList, { items: toasts.items, onDismiss: (id: number) => toasts.dismiss(id) });
}

describe('ToastList + handleError', () => {
  it("shows an EngineError's message as an alert, and removes it when dismissed", async () => {
    const toasts = new ToastState();
    handleError(notFound('scan_0042.dcm: the file was moved or deleted. Re-import the folder.'), toasts);
    const { rerender } = mount(toasts);

    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('scan_0042.dcm: the file was moved or deleted. Re-import the folder.');

    await fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(toasts.items).toEqual([]);
    await rerender({ items: toasts.items, onDismiss: (id: number) => toasts.dismiss(id) });
    expect(screen.queryAllByTestId('toast')).toHaveLength(0);
  });

  it("shows a rejected argument as the engine's sentence, without the method or zod's wording", () => {
    const toasts = new ToastState();
    const sent = validation('Epochs must be at least 1 (you entered 0).', { method: 'runs.plan', issues: [{ code: 'too_small', path: ['epochs'], message: 'Too small: expected number to be >=1' }] });
    // As it crosses a transport: JSON and back.
    handleError(EngineError.fromData(JSON.parse(JSON.stringify(sent.toJSON()))), toasts);
    mount(toasts);
    flushSync();
    expect(screen.getByRole('alert').querySelector('p')?.textContent).toBe('Epochs must be at least 1 (you entered 0).');
  });

  it('shows a cancelled job as information, not as an error', () => {
    const toasts = new ToastState();
    handleError(new EngineError('cancelled', 'Import cancelled after 120 of 400 files.'), toasts);
    mount(toasts);
    flushSync();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByRole('status').textContent).toContain('Import cancelled after 120 of 400 files.');
    expect(toasts.items.map((t) => t.kind)).toEqual(['info']);
  });
});

describe('toasts and the open project', () => {
  it("drops another project's toasts when a project opens, keeps those said outside any project, and dismisses all at once", async () => {
    const toasts = new ToastState();
    toasts.setScope('/data/chest');
    handleError(notFound('scan_0042.dcm: the file was moved'), toasts);
    toasts.setScope(null);
    handleError(validation('/data/hands is not a LabelTune project'), toasts);
    toasts.setScope('/data/hands');
    expect(toasts.items.map((t) => t.message)).toEqual(['/data/hands is not a LabelTune project']);
    handleError(validation('hands: disk full'), toasts);
    render(ToastList, { items: toasts.items, onDismiss: (id: number) => toasts.dismiss(id), onDismissAll: () => toasts.dismissAll() });
    await fireEvent.click(screen.getByRole('button', { name: 'Dismiss all (2)' }));
    expect(toasts.items).toEqual([]);
  });
});
