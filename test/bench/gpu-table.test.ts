import { describe, expect, it } from 'vitest';
import { anotherStepFits, cellText, childBudgetSeconds, type Column, formatGpuTable, ratioText, referenceColumn } from './gpu-table.ts';

describe('childBudgetSeconds', () => {
  it('shares the time left evenly between the children still to run', () => {
    expect(childBudgetSeconds(420, 12)).toBe(35);
    expect(childBudgetSeconds(300, 3, 60)).toBe(60);
  });
  it('gives nothing once the budget is spent or no child is left', () => {
    expect(childBudgetSeconds(-5, 3)).toBe(0);
    expect(childBudgetSeconds(100, 0)).toBe(0);
  });
});

describe('anotherStepFits', () => {
  it('times one step whenever it fits, then keeps going only inside the window', () => {
    expect(anotherStepFits(0, 0, 4, 30, 40)).toBe(true);
    expect(anotherStepFits(0, 0, 4, 50, 40)).toBe(false);
    expect(anotherStepFits(3, 2.5, 4, 0.5, 40)).toBe(true);
    expect(anotherStepFits(3, 4.1, 4, 0.5, 40)).toBe(false);
    expect(anotherStepFits(1, 1, 4, 10, 5)).toBe(false);
  });
});

describe('cells and ratios', () => {
  it('prints img/s with the steps behind it, or why there is none', () => {
    expect(cellText({ imagesPerSecond: 1234.56, batch: 16, steps: 40 })).toBe('1235 (batch 16, 40 steps)');
    expect(cellText({ imagesPerSecond: 12.345, batch: 8, steps: 3 })).toBe('12.3 (batch 8, 3 steps)');
    expect(cellText({ imagesPerSecond: 0.1234, batch: 2, steps: 1 })).toBe('0.12 (batch 2, 1 step)');
    expect(cellText({ imagesPerSecond: 0.216, batch: 2, steps: 0, warmUpOnly: true })).toBe('≥ 0.22 (batch 2, warm-up only)');
    expect(cellText({ na: 'worker failed' })).toBe('n/a: worker failed');
    expect(cellText(undefined)).toBe('n/a: over budget');
  });
  it('divides by the reference per image, whatever the batches, and gives "-" when either side has no figure', () => {
    expect(ratioText({ imagesPerSecond: 5, batch: 16, steps: 1 }, { imagesPerSecond: 2, batch: 2, steps: 1 })).toBe('2.50x');
    expect(ratioText({ imagesPerSecond: 1, batch: 8, steps: 1 }, { imagesPerSecond: 8, batch: 8, steps: 1 })).toBe('0.13x');
    expect(ratioText({ na: 'over budget' }, { imagesPerSecond: 8, batch: 8, steps: 1 })).toBe('-');
    expect(ratioText({ imagesPerSecond: 1, batch: 8, steps: 1 }, undefined)).toBe('-');
    expect(ratioText({ imagesPerSecond: 1, batch: 8, steps: 0, warmUpOnly: true }, { imagesPerSecond: 8, batch: 8, steps: 1 })).toBe('-');
  });
});

describe('formatGpuTable', () => {
  const webgpu: Column = { label: 'webgpu (software adapter)', cells: { 'resnet18/train': { imagesPerSecond: 2, batch: 4, steps: 1 }, 'resnet18/infer': { imagesPerSecond: 9, batch: 8, steps: 4 } } };
  const wasm: Column = { label: 'wasm', cells: { 'resnet18/train': { imagesPerSecond: 4, batch: 8, steps: 2 }, 'resnet18/infer': { imagesPerSecond: 3, batch: 8, steps: 2 }, 'resnet50/train': { na: 'over budget (warm-up step 90 s, 10 s left)' } } };
  const torch: Column = { label: 'PyTorch CUDA', cells: {}, unavailable: 'no CUDA' };

  it('takes PyTorch CUDA as the reference only when it measured something, else wasm', () => {
    expect(referenceColumn([webgpu, wasm, torch], ['PyTorch CUDA', 'wasm'])).toBe(wasm);
    const measured: Column = { label: 'PyTorch CUDA', cells: { 'resnet18/train': { imagesPerSecond: 800, batch: 8, steps: 20 } } };
    expect(referenceColumn([webgpu, wasm, measured], ['PyTorch CUDA', 'wasm'])).toBe(measured);
    expect(referenceColumn([webgpu], ['PyTorch CUDA', 'wasm'])).toBeNull();
  });

  it('lays out one row per model and step, img/s columns then ratios to the reference, then notes', () => {
    const lines = formatGpuTable([webgpu, wasm, torch], wasm).split('\n');
    expect(lines[0]).toBe('| model | step | webgpu (software adapter) img/s | wasm img/s | PyTorch CUDA img/s | webgpu (software adapter) / wasm | PyTorch CUDA / wasm |');
    expect(lines[1]).toBe('| --- | --- | --- | --- | --- | --- | --- |');
    expect(lines[2]).toBe('| resnet18 | train step | 2.00 (batch 4, 1 step) | 4.00 (batch 8, 2 steps) | n/a | 0.50x | - |');
    expect(lines[3]).toBe('| resnet18 | inference | 9.00 (batch 8, 4 steps) | 3.00 (batch 8, 2 steps) | n/a | 3.00x | - |');
    expect(lines[4]).toBe('| resnet50 | train step | n/a: over budget | n/a: over budget (warm-up step 90 s, 10 s left) | n/a | - | - |');
    expect(lines).toHaveLength(2 + 6 + 2);
    expect(lines.at(-1)).toBe('- PyTorch CUDA: not measured: no CUDA');
  });
});
