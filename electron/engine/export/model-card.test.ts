import { describe, expect, it } from 'vitest';
import type { ModelCard } from './model-card.ts';
import { modelCardMarkdown } from './model-card-markdown.ts';

function card(accuracyName: string): ModelCard {
  return {
    schema: 'labeltune.model-card/1', name: 'run #1', intendedUse: 'Tests.', format: 'onnx', files: [], classes: ['a', 'b'],
    data: { classes: ['a', 'b'], perSplit: { train: { a: 4, b: 4 } }, groups: 8, groupsPerSplit: { train: 8, val: 0, test: 0 }, groupPolicy: 'none', duplicatesExcluded: 0, excluded: 0 },
    model: { backbone: 'resnet18', pretrainedFrom: 'w', strategy: 'top', strategyReason: 'r', trainableParams: 1, totalParams: 2, trainableShare: 0.5 },
    hyperparameters: {}, training: { backend: 'cpu', epochs: 3, bestEpoch: 2, finishedAt: null },
    metrics: { accuracyName, validation: { loss: 0.25, accuracy: 0.875, auc: 0.9 }, evaluation: null },
    operatingPoint: null, parity: null, limitations: [], versions: {}, loading: '',
  };
}

describe('model card accuracy names', () => {
  it('single-label: plain accuracy', () => {
    expect(modelCardMarkdown(card('accuracy'))).toContain('Validation (best epoch): loss 0.2500, accuracy 87.5%, AUC 0.900.\n');
  });

  it('multi-label: accuracy per label, with what that means and how exact-match differs', () => {
    expect(modelCardMarkdown(card('accuracy (per label)'))).toContain(
      'Validation (best epoch): loss 0.2500, accuracy (per label) 87.5%, AUC 0.900. Accuracy is per label: the share of (image, label) decisions right at p >= 0.5, in training and evaluation alike; ' +
        "the evaluation's exact-match accuracy is the share of images with every label right.\n",
    );
  });
});
