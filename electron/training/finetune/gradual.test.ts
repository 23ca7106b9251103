import { describe, expect, it } from 'vitest';
import { unfrozenCount, unitOf, unitsForShare } from './gradual.ts';

describe('gradual unfreezing schedule', () => {
  it('names units by the numbered child of a group', () => {
    expect(unitOf('layer4.1.conv2.weight', 'layer4')).toBe('layer4.1');
    expect(unitOf('layer4.0.downsample.0.weight', 'layer4')).toBe('layer4.0');
    expect(unitOf('blocks.11.attn.qkv.weight', 'blocks.11')).toBe('blocks.11');
    expect(unitOf('conv1.weight', 'stem')).toBe('stem');
    expect(unitOf('cls_token', 'stem')).toBe('stem');
    expect(unitOf('norm.weight', 'norm')).toBe('norm');
  });

  it('takes units from the top while the share stays within the target, at least one', () => {
    const units = [0.2, 0.2, 0.3, 0.3].map((share, i) => ({ name: `u${i}`, params: [], share }));
    expect(unitsForShare(units, 0.5).map((u) => u.name)).toEqual(['u0', 'u1']);
    expect(unitsForShare(units, 0.4).map((u) => u.name)).toEqual(['u0', 'u1']);
    expect(unitsForShare(units, 0.1).map((u) => u.name)).toEqual(['u0']);
    expect(unitsForShare(units, 1).length).toBe(4);
  });

  it('starts with the head alone and unfreezes every unit by the middle of the run', () => {
    // one unit per epoch when that is fast enough (ULMFiT)
    expect([0, 1, 2, 3, 4, 9].map((e) => unfrozenCount(e, 2, 10))).toEqual([0, 1, 2, 2, 2, 2]);
    // 6 units in 10 epochs: two per epoch, all by epoch 3 of 0..9
    expect([0, 1, 2, 3, 4].map((e) => unfrozenCount(e, 6, 10))).toEqual([0, 2, 4, 6, 6]);
    // 3 epochs: head, then everything
    expect([0, 1, 2].map((e) => unfrozenCount(e, 6, 3))).toEqual([0, 6, 6]);
    // one epoch: the head alone (the plan's share says so)
    expect(unfrozenCount(0, 6, 1)).toBe(0);
    // an explicit pace wins
    expect([0, 1, 2, 3, 4].map((e) => unfrozenCount(e, 6, 10, 2))).toEqual([0, 0, 1, 1, 2]);
  });
});
