import { join } from 'node:path';
import sharp from 'sharp';
import type { Database } from '../../db/database.ts';
import { now } from '../../db/database.ts';

export interface SampleOptions {
  /** Images per class. */
  perClass: number;
  classes: string[];
  /** Share of each class's images that go to val (the rest to train). */
  valShare?: number;
  size?: number;
  /** Image width when it differs from `size` (the height): non-square images. */
  width?: number;
  /** Also create a single-label auxiliary task with two classes (odd / even image index). */
  aux?: boolean;
}

/**
 * Fill an open project's database with small PNGs of an obvious class signal (class c is tinted
 * in channel c), labels and a train/val split, the way import, labelling and splitting would.
 */
export async function fillSampleProject(db: Database, dir: string, opts: SampleOptions): Promise<{ imageIds: number[] }> {
  const size = opts.size ?? 16;
  const width = opts.width ?? size;
  const t = now();
  const mainTask = Number(db.prepare(`INSERT INTO tasks (name, role, mode) VALUES ('Main labels', 'main', 'single')`).run().lastInsertRowid);
  const classIds = opts.classes.map((name, i) => Number(db.prepare('INSERT INTO classes (task_id, name, position) VALUES (?, ?, ?)').run(mainTask, name, i).lastInsertRowid));
  const auxTask = opts.aux ? Number(db.prepare(`INSERT INTO tasks (name, role, mode) VALUES ('Aux', 'aux', 'single')`).run().lastInsertRowid) : null;
  const auxClasses = auxTask ? ['odd', 'even'].map((n, i) => Number(db.prepare('INSERT INTO classes (task_id, name, position) VALUES (?, ?, ?)').run(auxTask, n, i).lastInsertRowid)) : [];
  const imageIds: number[] = [];
  let seed = 1;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 60) - 30;
  for (let c = 0; c < opts.classes.length; c++) {
    for (let k = 0; k < opts.perClass; k++) {
      const px = Buffer.alloc(width * size * 3);
      for (let p = 0; p < width * size; p++) for (let ch = 0; ch < 3; ch++) px[p * 3 + ch] = Math.max(0, Math.min(255, (ch === c % 3 ? 190 : 70) + noise()));
      const path = join(dir, 'images', `c${c}-${k}.png`);
      await sharp(px, { raw: { width, height: size, channels: 3 } }).png().toFile(path);
      const id = Number(
        db.prepare(`INSERT INTO images (hash, path, format, width, height, channels, bit_depth, imported_at) VALUES (?, ?, 'png', ?, ?, 3, 8, ?)`)
          .run(`h${c}-${k}`, path, width, size, t).lastInsertRowid,
      );
      imageIds.push(id);
      db.prepare(`INSERT INTO labels (image_id, task_id, class_id, source, updated_at) VALUES (?, ?, ?, 'human', ?)`).run(id, mainTask, classIds[c], t);
      if (auxTask) db.prepare(`INSERT INTO labels (image_id, task_id, class_id, source, updated_at) VALUES (?, ?, ?, 'human', ?)`).run(id, auxTask, auxClasses[k % 2], t);
      const split = k < Math.round(opts.perClass * (opts.valShare ?? 0.25)) ? 'val' : 'train';
      db.prepare('INSERT INTO splits (image_id, split, assigned_at) VALUES (?, ?, ?)').run(id, split, t);
    }
  }
  return { imageIds };
}
