import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineError } from '../../../../shared/contract/errors.ts';
import type { LabelClass } from '../../../../shared/domain/labels.ts';
import { FakeClient } from '../../lib/testing/fake-client.ts';
import ClassManager from './ClassManager.svelte';

afterEach(cleanup);

const cls = (id: number, name: string, count: number, position: number): LabelClass => ({ id, taskId: 1, name, position, color: null, shortcut: null, count });
const CLASSES = [cls(11, 'normal', 5, 0), cls(12, 'opacity', 2, 1), cls(13, 'unused', 0, 2)];
const change = (ids: number[]) => ({ batchId: 'class:b', changed: ids.map((imageId) => ({ imageId, taskId: 1, classIds: [12] })), skipped: [] });

function mount(answer = true) {
  const client = new FakeClient({
    'labels.mergeClasses': () => ({ ...change([1, 2, 3, 4, 5]), restoreId: 'class:m1' }),
    'labels.deleteClass': ({ moveTo }) => ({ ...(moveTo ? change([1, 2, 3, 4, 5]) : { batchId: null, changed: [], skipped: [] }), restoreId: 'class:d1' }),
    'labels.restoreClass': () => ({ ...change([1, 2, 4, 5]), skipped: [3], restored: CLASSES[0] }),
    'labels.updateClass': ({ name }) => {
      if (name?.trim().toLowerCase() === 'normal') throw new EngineError('conflict', `"${name}" is the class "normal" written differently (case or spaces differ); use "normal", or merge the two classes.`);
      return { ...CLASSES[1], name: name! };
    },
  });
  const ask = vi.fn(() => answer);
  const onError = vi.fn();
  const onChanged = vi.fn();
  render(ClassManager, { client, classes: CLASSES, ask, onError, onChanged });
  const calls = (m: string) => client.calls.filter((c) => c.method === m).map((c) => c.args);
  return { ask, onError, onChanged, calls };
}

describe('ClassManager', () => {
  it('merges with the count in the question, then undoes the merge from its bar', async () => {
    const t = mount();
    expect(screen.getAllByTestId('class-row').map((r) => r.textContent?.includes('empty'))).toEqual([false, false, true]);
    await fireEvent.change(screen.getByLabelText('Target for normal'), { target: { value: '12' } });
    await fireEvent.click(screen.getAllByRole('button', { name: 'Merge' })[0]);
    expect((await screen.findByTestId('class-undo-bar')).textContent).toContain('Merged "normal"; 5 images moved to "opacity".');
    expect(t.ask).toHaveBeenCalledWith('Merge "normal" and move its 5 images to "opacity"? You can undo it here.');
    expect(t.calls('labels.mergeClasses')).toEqual([{ fromId: 11, intoId: 12 }]);
    await fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    expect(await screen.findByText('"normal" is back with 4 images; 1 image changed since kept their labels.')).toBeTruthy();
    expect(t.calls('labels.restoreClass')).toEqual([{ restoreId: 'class:m1' }]);
    expect(t.onChanged).toHaveBeenCalledTimes(2);
  });

  it('renames; a name that only differs in case is refused with the engine message and the field goes back', async () => {
    const t = mount();
    await fireEvent.change(screen.getByLabelText('Name of opacity'), { target: { value: ' Opacity ' } });
    await vi.waitFor(() => expect(t.calls('labels.updateClass')).toEqual([{ classId: 12, name: 'Opacity' }]));
    const unused = screen.getByLabelText('Name of unused') as HTMLInputElement;
    await fireEvent.change(unused, { target: { value: 'Normal ' } });
    await vi.waitFor(() => expect(t.onError).toHaveBeenCalledTimes(1));
    expect((t.onError.mock.calls[0][0] as Error).message).toContain('"Normal" is the class "normal" written differently');
    expect(unused.value).toBe('unused');
  });

  it('deletes an empty class at once; a class with images needs a target and a yes', async () => {
    const t = mount(false);
    await fireEvent.click(screen.getAllByRole('button', { name: 'Delete' })[0]);
    expect((t.onError.mock.calls[0][0] as Error).message).toBe('Choose the class that gets the 5 images of "normal" first.');
    await fireEvent.change(screen.getByLabelText('Target for normal'), { target: { value: '13' } });
    await fireEvent.click(screen.getAllByRole('button', { name: 'Delete' })[0]);
    await vi.waitFor(() => expect(t.ask).toHaveBeenCalledWith('Delete "normal" and move its 5 images to "unused"? You can undo it here.'));
    expect(t.calls('labels.deleteClass')).toEqual([]);
  });
});
