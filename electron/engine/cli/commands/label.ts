import type { EngineClient } from '../../../../shared/contract/index.ts';
import type { UndoResult } from '../../../../shared/contract/labels.ts';
import { ANNOTATION_FORMATS, type AnnotationFormat } from '../../../../shared/domain/annotations.ts';
import type { ImageFilter } from '../../../../shared/domain/images.ts';
import type { LabelTask, TaskRole } from '../../../../shared/domain/labels.ts';
import { type Command, type CommandContext, UsageError, shellPath } from '../command.ts';

const ACTIONS = ['list', 'add-class', 'set', 'undo', 'redo', 'exclude', 'include', 'export'] as const;
type Action = (typeof ACTIONS)[number];

export const labelCommand: Command = {
  name: 'label',
  usage:
    'label <project> list | add-class <name> [--shortcut K] [--color #rrggbb] | set <class[,class]|none> (--images 1,4-9 | --search TEXT | --unlabeled) [--mode replace|add|remove|toggle] | undo | redo | exclude --images IDS --reason TEXT | include --images IDS | export --format csv|json|coco --out FILE   [--aux]',
  summary: 'List, add and apply classes, undo/redo label changes, exclude or include images, export the annotations.',
  options: {
    images: { type: 'string' },
    search: { type: 'string' },
    unlabeled: { type: 'boolean' },
    mode: { type: 'string' },
    aux: { type: 'boolean' },
    shortcut: { type: 'string' },
    color: { type: 'string' },
    reason: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  },
  minPositionals: 2,
  maxPositionals: 3,
  async run(ctx) {
    const [dir, action, arg] = ctx.positionals;
    if (!(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`unknown action "${action}"; use one of ${ACTIONS.join(', ')}`);
    await ctx.client.invoke('project.open', { dir: shellPath(dir) });
    return runAction(ctx, action as Action, arg);
  },
};

async function runAction(ctx: CommandContext, action: Action, arg: string | undefined): Promise<unknown> {
  const { client, values, out, json } = ctx;
  const taskRole: TaskRole = values.aux === true ? 'aux' : 'main';
  const say = (text: string) => (json ? undefined : out(text));
  switch (action) {
    case 'list': {
      const tasks = await client.invoke('labels.tasks', {});
      say(tasks.map(formatTask).join('\n\n') || 'No label sets yet: add a class with "label <project> add-class <name>".');
      return tasks;
    }
    case 'add-class': {
      if (!arg) throw new UsageError('add-class needs the class name');
      const added = await client.invoke('labels.addClass', { taskRole, name: arg, shortcut: values.shortcut as string | undefined, color: values.color as string | undefined });
      say(`Added class "${added.name}" (id ${added.id}) to the ${taskRole} label set.`);
      return added;
    }
    case 'set': {
      if (!arg) throw new UsageError('set needs class names separated by commas, or "none" to clear');
      const classIds = arg === 'none' ? [] : resolveClasses(await client.invoke('labels.tasks', {}), taskRole, arg);
      const imageIds = await selectImages(client, values);
      const mode = parseMode(values.mode);
      const change = await client.invoke('labels.set', { imageIds, taskRole, classIds, mode });
      say(`Changed the labels of ${change.changed.length} of ${imageIds.length} image(s)${change.batchId ? '; undo with "label <project> undo"' : ''}.`);
      return change;
    }
    case 'undo':
    case 'redo': {
      const change = await client.invoke(action === 'undo' ? 'labels.undo' : 'labels.redo', {});
      say(stepSummary(action, change));
      return change;
    }
    case 'exclude':
    case 'include': {
      const imageIds = parseIds(values.images);
      const reason = values.reason as string | undefined;
      if (action === 'exclude' && !reason) throw new UsageError('exclude needs --reason TEXT (shown next to the image)');
      const result = action === 'exclude' ? await client.invoke('images.exclude', { imageIds, reason: reason! }) : await client.invoke('images.include', { imageIds });
      say(`${action === 'exclude' ? 'Excluded' : 'Included'} ${result.changed} image(s).`);
      return result;
    }
    case 'export': {
      const format = values.format ?? 'csv';
      if (!(ANNOTATION_FORMATS as readonly unknown[]).includes(format)) throw new UsageError(`--format expects ${ANNOTATION_FORMATS.join(', ')}; got "${String(format)}"`);
      if (typeof values.out !== 'string') throw new UsageError('export needs --out FILE');
      const done = await client.invoke('labels.export', { format: format as AnnotationFormat, outFile: shellPath(values.out) });
      say(`Wrote the annotations of ${done.images} image(s) to ${done.path}.`);
      return done;
    }
  }
}

/** "Undid 12 label change(s)." and, for an import that placed a split, what became of the split. */
export function stepSummary(action: 'undo' | 'redo', change: UndoResult): string {
  if (!change.batchId) return `Nothing to ${action}.`;
  const skipped = change.skipped.length ? `, skipped ${change.skipped.length} image(s) changed since` : '';
  return `${action === 'undo' ? 'Undid' : 'Redid'} ${change.changed.length} label change(s)${skipped}.${change.split ? ` ${change.split.message}` : ''}`;
}

export function formatTask(t: LabelTask): string {
  const width = Math.max(5, ...t.classes.map((c) => c.name.length));
  return [
    `${t.name} (${t.role}, ${t.mode}-label): ${t.labelled} image(s) labelled`,
    ...t.classes.map((c) => `  ${String(c.id).padStart(4)}  ${c.name.padEnd(width)}  ${String(c.count).padStart(7)}${c.shortcut ? `  key ${c.shortcut}` : ''}`),
  ].join('\n');
}

function resolveClasses(tasks: LabelTask[], role: TaskRole, names: string): number[] {
  const task = tasks.find((t) => t.role === role);
  return names.split(',').map((raw) => {
    const name = raw.trim();
    const found = task?.classes.find((c) => c.name === name);
    if (!found) throw new UsageError(`no class "${name}" in the ${role} label set${task ? ` (classes: ${task.classes.map((c) => c.name).join(', ')})` : ''}`);
    return found.id;
  });
}

function parseMode(raw: CommandContext['values'][string]): 'replace' | 'add' | 'remove' | 'toggle' {
  if (raw === undefined) return 'replace';
  if (raw === 'replace' || raw === 'add' || raw === 'remove' || raw === 'toggle') return raw;
  throw new UsageError(`--mode expects replace, add, remove or toggle; got "${String(raw)}"`);
}

/** `1,4-9,12` -> [1, 4, 5, 6, 7, 8, 9, 12] */
export function parseIds(raw: CommandContext['values'][string]): number[] {
  if (typeof raw !== 'string' || raw.trim() === '') throw new UsageError('--images expects image ids such as 1,4-9,12');
  return raw.split(',').flatMap((part) => {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!m) throw new UsageError(`--images: "${part}" is not an id or a range like 4-9`);
    const [from, to] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (to < from || to - from > 1_000_000) throw new UsageError(`--images: the range "${part}" is empty or too large`);
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

/** Ids from --images, or every image matching --search / --unlabeled (paged through images.list). */
async function selectImages(client: EngineClient, values: CommandContext['values']): Promise<number[]> {
  if (values.images !== undefined) return parseIds(values.images);
  const filter: ImageFilter = {};
  if (typeof values.search === 'string') filter.search = values.search;
  if (values.unlabeled === true) filter.unlabeled = true;
  if (Object.keys(filter).length === 0) throw new UsageError('choose the images with --images, --search or --unlabeled');
  const ids: number[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await client.invoke('images.list', { filter, offset, limit: 1000 });
    ids.push(...page.items.map((i) => i.id));
    if (page.items.length < 1000) break;
  }
  if (ids.length === 0) throw new UsageError('no image matches that selection');
  return ids;
}
