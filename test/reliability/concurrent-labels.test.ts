import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabelChange } from '../../shared/domain/labels.ts';
import type { Database } from '../../electron/engine/db/database.ts';
import { type RunningServer, startServer } from '../../electron/engine/server/server.ts';
import { seedImages } from '../../electron/engine/testing/seed-images.ts';
import { type TestEngine, createTestProject } from '../../electron/engine/testing/test-engine.ts';
import { runCliProcess } from './cli-process.ts';
import { mulberry32 as seededRandom } from '../../shared/random.ts';
import { recordFigures } from './figures.ts';
import { Client } from './ws-client.ts';

/**
 * Concurrent label writers on one project: 3 browser-mode WebSocket clients (labels.set in every
 * mode, some undo/redo) while 4 lanes of `labeltune label set` processes write the same images.
 * Afterwards the audit log (label_events) must account for every change each writer was told about,
 * chain without a gap per image, and end where the labels table is: no lost update.
 */
const IMAGES = 24;
const CLASSES = ['a', 'b', 'c', 'd'];
const WS_CLIENTS = 3;
const CLI_LANES = 4;
const CLI_RUNS_PER_LANE = 1;
const WS_MIN_OPS = 60;
const WS_MAX_OPS = 1500;
const TIME_CAP_MS = 90_000;
const PACE_MS = 40;
const MODES = ['toggle', 'add', 'remove', 'replace'] as const;

let t: TestEngine;
let server: RunningServer;
afterAll(async () => {
  await server?.close();
  await t?.dispose();
});

/** What the writers were told: each change (image, classes after) under its batch id. */
interface Told {
  changes: Map<string, string>;
  setCalls: number;
  undoRedoCalls: number;
  undoRedoChanges: number;
  failures: string[];
  cliMs: number[];
  /** CLI writes that ended while every WebSocket client was still writing. */
  cliWritesDuringWebSocketWrites: number;
}
const key = (batchId: string, imageId: number) => `${batchId}:${imageId}`;

function tell(told: Told, change: LabelChange): void {
  for (const c of change.changed) told.changes.set(key(change.batchId!, c.imageId), JSON.stringify(c.classIds));
}

function pickIds(rand: () => number, max: number): number[] {
  const count = 1 + Math.floor(rand() * max);
  return Array.from({ length: count }, () => 1 + Math.floor(rand() * IMAGES));
}

async function webSocketWriter(seed: number, classIds: number[], told: Told, busy: () => boolean, deadline: number): Promise<number> {
  const rand = seededRandom(seed);
  const client = await Client.open(server);
  let ops = 0;
  while (ops < WS_MAX_OPS && Date.now() < deadline && (ops < WS_MIN_OPS || busy())) {
    const roll = rand();
    const method = roll < 0.06 ? 'labels.undo' : roll < 0.09 ? 'labels.redo' : 'labels.set';
    const mode = MODES[Math.floor(rand() * MODES.length)];
    const classes = classIds.filter(() => rand() < 0.4);
    const args = method === 'labels.set' ? { imageIds: pickIds(rand, 6), classIds: classes.length ? classes : [classIds[0]], mode } : {};
    const reply = await client.invoke<LabelChange>(method, args, 30_000);
    ops++;
    await new Promise((r) => setTimeout(r, Math.floor(rand() * PACE_MS))); // leave the CPU to the CLI processes too
    if (!reply.ok || !reply.result) told.failures.push(`${method}: ${reply.error?.message}`);
    else if (method === 'labels.set') {
      told.setCalls++;
      tell(told, reply.result);
    } else {
      told.undoRedoCalls++;
      told.undoRedoChanges += reply.result.changed.length;
    }
  }
  client.close();
  return ops;
}

async function cliLane(lane: number, home: string, told: Told, wsWriting: () => boolean): Promise<number> {
  const rand = seededRandom(1000 + lane);
  for (let k = 0; k < CLI_RUNS_PER_LANE; k++) {
    const classes = CLASSES.filter(() => rand() < 0.5);
    const ids = [...new Set(pickIds(rand, 8))].join(',');
    const began = Date.now();
    const exit = await runCliProcess(home, ['label', t.projectDir, 'set', (classes.length ? classes : ['a']).join(','), '--images', ids, '--mode', 'toggle', '--json']);
    told.cliMs.push(Date.now() - began);
    if (wsWriting()) told.cliWritesDuringWebSocketWrites++;
    if (exit.code !== 0) told.failures.push(`label set (lane ${lane}): exit ${exit.code ?? exit.signal} ${exit.stderr.slice(-300)}`);
    else {
      told.setCalls++;
      tell(told, JSON.parse(exit.stdout) as LabelChange);
    }
  }
  return CLI_RUNS_PER_LANE;
}

interface EventRow {
  id: number;
  image_id: number;
  old_value: string;
  new_value: string;
  source: string;
  batch_id: string;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** All writers at once; the CLI lanes report whether every WebSocket client was still writing. */
async function runWriters(classIds: number[]): Promise<{ told: Told; wsOps: number; cliOps: number }> {
  const told: Told = { changes: new Map(), setCalls: 0, undoRedoCalls: 0, undoRedoChanges: 0, failures: [], cliMs: [], cliWritesDuringWebSocketWrites: 0 };
  const deadline = Date.now() + TIME_CAP_MS;
  let cliRunning = true;
  let wsWriting = WS_CLIENTS;
  const home = join(t.tmp, 'cli-home');
  const cli = Promise.all(Array.from({ length: CLI_LANES }, (_, lane) => cliLane(lane, home, told, () => wsWriting === WS_CLIENTS))).finally(() => (cliRunning = false));
  const ws = Promise.all(
    Array.from({ length: WS_CLIENTS }, (_, k) => webSocketWriter(k + 1, classIds, told, () => cliRunning, deadline).finally(() => wsWriting--)),
  );
  const [cliOps, wsOps] = await Promise.all([cli, ws]);
  return { told, wsOps: sum(wsOps), cliOps: sum(cliOps) };
}

/**
 * Walk the audit log per image: each event must start from the state the previous one left (a
 * writer that read a stale state, a lost update, breaks the chain), and the labels table must end at
 * each image's last event.
 */
function auditLabels(db: Database): { events: EventRow[]; chainBreaks: number; mismatched: number[] } {
  const events = db.prepare('SELECT id, image_id, old_value, new_value, source, batch_id FROM label_events ORDER BY id').all() as EventRow[];
  const lastByImage = new Map<number, string>();
  let chainBreaks = 0;
  for (const e of events) {
    if (e.old_value !== (lastByImage.get(e.image_id) ?? '[]')) chainBreaks++;
    lastByImage.set(e.image_id, e.new_value);
  }
  const rows = db.prepare('SELECT image_id, class_id FROM labels ORDER BY image_id, class_id').all() as { image_id: number; class_id: number }[];
  const finalLabels = new Map<number, number[]>();
  for (const r of rows) finalLabels.set(r.image_id, [...(finalLabels.get(r.image_id) ?? []), r.class_id]);
  const mismatched = Array.from({ length: IMAGES }, (_, i) => i + 1).filter((id) => JSON.stringify(finalLabels.get(id) ?? []) !== (lastByImage.get(id) ?? '[]'));
  return { events, chainBreaks, mismatched };
}

describe('reliability: concurrent label writers', () => {
  it(`${WS_CLIENTS} WebSocket clients and ${CLI_LANES} lanes of CLI processes lose no update`, async () => {
    const started = Date.now();
    t = await createTestProject('Concurrent labels');
    seedImages(t.engine.ctx.project().db, IMAGES);
    const classIds: number[] = [];
    for (const name of CLASSES) classIds.push((await t.client.invoke('labels.addClass', { name })).id);
    await t.client.invoke('labels.configureTask', { role: 'main', mode: 'multi' });
    server = await startServer({ engine: t.engine, port: 0, staticDir: '/nonexistent' });

    const { told, wsOps, cliOps } = await runWriters(classIds);
    expect(told.failures).toEqual([]);
    expect(told.setCalls + told.undoRedoCalls).toBe(wsOps + cliOps); // every operation was answered with a change report
    // The writers really overlapped: each CLI write landed while all WebSocket clients were writing.
    expect(told.cliWritesDuringWebSocketWrites).toBe(CLI_LANES * CLI_RUNS_PER_LANE);

    const db = t.engine.ctx.project().db;
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const { events, chainBreaks, mismatched } = auditLabels(db);
    // Every change a writer was told about is in the audit log with the same result, and nothing else is.
    const logged = new Map(events.filter((e) => e.source === 'human').map((e) => [key(e.batch_id, e.image_id), e.new_value]));
    expect(logged).toEqual(told.changes);
    expect(events.filter((e) => e.source !== 'human').length).toBe(told.undoRedoChanges);
    expect(chainBreaks).toBe(0);
    expect(mismatched).toEqual([]);

    recordFigures(
      'concurrent-labels',
      {
        writers: `${WS_CLIENTS} WebSocket clients + ${CLI_LANES}×${CLI_RUNS_PER_LANE} CLI processes`,
        operations: wsOps + cliOps,
        webSocketOperations: wsOps,
        cliProcesses: cliOps,
        auditEvents: events.length,
        images: IMAGES,
        lostUpdates: chainBreaks + mismatched.length,
        failedOperations: told.failures.length,
        slowestCliMs: Math.max(...told.cliMs),
      },
      Date.now() - started,
    );
  });
});
