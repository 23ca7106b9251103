import { z } from 'zod';
import type { CountedWriteArgs, LabelHandlers } from '../../../shared/contract/labels.ts';
import type { CountsMoved } from '../../../shared/domain/counts.ts';
import { ANNOTATION_FORMATS } from '../../../shared/domain/annotations.ts';
import type { LabelChange } from '../../../shared/domain/labels.ts';
import type { EngineContext } from '../context.ts';
import { type Implementation, noArgs, nonEmpty, typedName } from '../handler.ts';
import { type CountAround, CountDelta } from '../images/count-delta.ts';
import { countedWrite } from '../images/filter-schema.ts';
import { exportAnnotations } from './annotation-export.ts';
import { deleteClass, mergeClasses, restoreClass } from './class-ops.ts';
import { setLabels } from './label-store.ts';
import { addClass, configureTask, describeTask, listTasks, reorderClasses, updateClass } from './tasks.ts';
import { history, redoLast, undoLast, undoPreview } from './undo.ts';

const id = z.number().int().positive();
const role = z.enum(['main', 'aux']);
const color = z.string().regex(/^#[0-9a-fA-F]{6}$/, { message: 'colour must look like #1f77b4' });
const session = z.string().min(1).max(100).optional();
const undoArgs = countedWrite.extend({ session, expect: z.string().min(1).max(200).optional(), askAbove: z.number().int().min(0).optional() }).strict();
const shortcut = z.string().regex(/^\S{1,12}$/, { message: 'shortcut must be one key name without spaces, e.g. "1" or "n"' });

export function labelHandlers(ctx: EngineContext): Implementation<LabelHandlers> {
  const db = () => ctx.project().db;
  /** Every label change tells the UI which images to redraw and that the counts moved. */
  const changed = <C extends LabelChange>(change: C): C => {
    if (change.changed.length > 0) ctx.events.emit('labels.changed', { imageIds: [...new Set(change.changed.map((c) => c.imageId))] });
    ctx.projectChanged();
    return change;
  };
  /**
   * A keystroke's write: the answer carries the count delta and the one event carries it too (with
   * the caller's client id), so no client counts again and the project is not recounted per key.
   */
  const counted = <C extends LabelChange>({ filter, clientId }: CountedWriteArgs, write: (around: CountAround) => C): C & CountsMoved => {
    const delta = new CountDelta(db(), filter);
    const change = write(delta.around);
    const moved = delta.result();
    if (change.changed.length > 0) {
      const imageIds = [...new Set(change.changed.map((c) => c.imageId))];
      ctx.events.emit('labels.changed', { imageIds, counts: moved.counts, changed: change.changed, ...(clientId === undefined ? {} : { clientId }) });
    }
    return { ...change, ...moved };
  };
  return {
    'labels.tasks': { schema: noArgs, run: () => listTasks(db()) },
    'labels.configureTask': {
      schema: z.object({ role, name: typedName('name').optional(), mode: z.enum(['single', 'multi']).optional() }),
      run: ({ role, name, mode }) => {
        const task = configureTask(db(), role, name, mode);
        ctx.projectChanged();
        return describeTask(db(), task.id);
      },
    },
    'labels.addClass': {
      schema: z.object({ taskRole: role.optional(), name: typedName('name'), color: color.optional(), shortcut: shortcut.optional() }),
      run: ({ taskRole = 'main', name, color, shortcut }) => {
        const added = addClass(db(), taskRole, name, color, shortcut);
        ctx.projectChanged();
        return added;
      },
    },
    'labels.updateClass': {
      schema: z.object({ classId: id, name: typedName('name').optional(), color: color.nullable().optional(), shortcut: shortcut.nullable().optional() }),
      run: ({ classId, ...change }) => {
        const updated = updateClass(db(), classId, change);
        ctx.projectChanged();
        return updated;
      },
    },
    'labels.reorderClasses': {
      schema: z.object({ classIds: z.array(id).min(1) }),
      run: ({ classIds }) => {
        const taskId = reorderClasses(db(), classIds);
        ctx.projectChanged();
        return describeTask(db(), taskId);
      },
    },
    'labels.mergeClasses': {
      schema: z.object({ fromId: id, intoId: id }),
      run: ({ fromId, intoId }) => changed(mergeClasses(db(), fromId, intoId)),
    },
    'labels.deleteClass': {
      schema: z.object({ classId: id, moveTo: id.optional() }),
      run: ({ classId, moveTo }) => changed(deleteClass(db(), classId, moveTo)),
    },
    'labels.restoreClass': {
      schema: z.object({ restoreId: z.string().regex(/^class:/, { message: 'restoreId must be the restoreId a merge or delete answered' }) }),
      run: ({ restoreId }) => changed(restoreClass(db(), restoreId)),
    },
    'labels.set': {
      schema: countedWrite.extend({
        imageIds: z.array(id).min(1).max(1_000_000),
        taskRole: role.optional(),
        classIds: z.array(id).max(1000),
        mode: z.enum(['replace', 'add', 'remove', 'toggle']).optional(),
        source: z.enum(['human', 'model']).optional(),
        continueBatch: z.string().uuid({ message: 'continueBatch must be the batchId an earlier labels.set returned' }).optional(),
        session,
      }),
      run: ({ imageIds, taskRole = 'main', classIds, mode = 'replace', source = 'human', continueBatch, session, ...write }) =>
        counted(write, (around) => setLabels(db(), { imageIds, taskRole, classIds, mode, source, continueBatch, session }, around)),
    },
    'labels.undoPreview': { schema: z.object({ session }).strict(), run: ({ session }) => undoPreview(db(), session) },
    'labels.undo': {
      schema: undoArgs,
      run: ({ session, expect, askAbove, ...write }) => counted(write, (around) => undoLast(db(), around, { session, expect, askAbove })),
    },
    'labels.redo': {
      schema: undoArgs,
      run: ({ session, expect, askAbove, ...write }) => counted(write, (around) => redoLast(db(), around, { session, expect, askAbove })),
    },
    'labels.export': {
      schema: z.object({ format: z.enum(ANNOTATION_FORMATS), outFile: nonEmpty('outFile').optional() }),
      run: (args) => exportAnnotations(ctx.project(), args),
    },
    'labels.history': { schema: z.object({ imageId: id }), run: ({ imageId }) => history(db(), imageId) },
  };
}
