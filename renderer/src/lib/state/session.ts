import type { UndoStep } from '../../../../shared/domain/labels.ts';

/**
 * This window's (or browser tab's) session: sent with its label writes and imports, so that its
 * Ctrl+Z takes back only its own actions and the label history can tell its changes from others'.
 * New per page load: a reloaded tab starts with an empty undo stack, as editors do.
 */
export const SESSION_ID = `s-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "label of 1 image", "model label of 3 images", "import of 120 labels": what an undo step is, in the toast and the question. */
export function describeStep(step: UndoStep): string {
  switch (step.source) {
    case 'import':
      return `import of ${plural(step.images, 'label')}`;
    case 'model':
      return `model label of ${plural(step.images, 'image')}`;
    case 'human':
      return `label of ${plural(step.images, 'image')}`;
  }
}
