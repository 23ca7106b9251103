import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../electron/engine/server/server.ts';
import { type TestEngine, createTestProject } from '../../electron/engine/testing/test-engine.ts';
import { mulberry32 as seededRandom } from '../../shared/random.ts';
import { recordFigures } from './figures.ts';
import { Client } from './ws-client.ts';
import { frame, openRawSocket, upgradeRequest } from './ws-raw.ts';

/**
 * Hostile WebSocket traffic against browser mode's server (in this process, 127.0.0.1, port 0):
 * malformed frames, a burst of malformed JSON, half-open sockets. After each, a client that was
 * connected all along and a new client both get a correct answer.
 */
const PROJECT = 'Still serving';
const BURST = 1000;
const HALF_OPEN = 30;
const MIB = 1024 * 1024;

let t: TestEngine;
let server: RunningServer;
let witness: Client;
const figures = { attacks: 0, badFrames: 0, malformedJson: 0, halfOpenSockets: 0, witnessAnswers: 0, freshClientAnswers: 0, unanswered: 0 };
let started = 0;

beforeAll(async () => {
  started = Date.now();
  t = await createTestProject(PROJECT);
  server = await startServer({ engine: t.engine, port: 0, staticDir: '/nonexistent' });
  witness = await Client.open(server);
});
afterAll(async () => {
  witness?.close();
  await server?.close();
  await t?.dispose();
  recordFigures('websocket', figures, Date.now() - started);
});

/** The connected-all-along client and a new one both read the project's name. */
async function stillServing(): Promise<void> {
  const fromWitness = await witness.invoke('project.info', {}).catch(() => null);
  if (fromWitness?.result?.name === PROJECT) figures.witnessAnswers++;
  else figures.unanswered++;
  const fresh = await Client.open(server);
  const fromFresh = await fresh.invoke('project.info', {}).catch(() => null);
  fresh.close();
  if (fromFresh?.result?.name === PROJECT) figures.freshClientAnswers++;
  else figures.unanswered++;
  expect([fromWitness?.result?.name, fromFresh?.result?.name]).toEqual([PROJECT, PROJECT]);
}

// Each bad frame and the close code RFC 6455 asks for (1009 too big, 1007 bad UTF-8, 1002 protocol error).
const json = Buffer.from('{"id":1,"method":"project.info","args":{}}');
const BAD_FRAMES: [name: string, bytes: () => Buffer, code: number][] = [
  ['text over 1 MiB', () => frame(0x1, Buffer.alloc(MIB + 1, 0x61)), 1009],
  ['binary over 1 MiB in 4 fragments', () => Buffer.concat([0, 1, 2, 3].map((k) => frame(k === 0 ? 0x2 : 0x0, Buffer.alloc(MIB / 4 + 1), { fin: k === 3 }))), 1009],
  ['header claiming 2^40 bytes, no payload', () => frame(0x1, Buffer.alloc(0), { claimedLength: 2 ** 40 }), 1009],
  ['invalid UTF-8 text', () => frame(0x1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 1007],
  ['overlong UTF-8 encoding of "/"', () => frame(0x1, Buffer.from([0xc0, 0xaf])), 1007],
  ['UTF-16 surrogate in UTF-8', () => frame(0x1, Buffer.from([0xed, 0xa0, 0x80])), 1007],
  ...[0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf].map((op): [string, () => Buffer, number] => [`reserved opcode 0x${op.toString(16)}`, () => frame(op, json), 1002]),
  ['RSV1 set without an extension', () => frame(0x1, json, { rsv: 4 }), 1002],
  ['RSV2 and RSV3 set', () => frame(0x1, json, { rsv: 3 }), 1002],
  ['unmasked client frame', () => frame(0x1, json, { masked: false }), 1002],
  ['continuation without a first fragment', () => frame(0x0, json), 1002],
  ['fragmented ping', () => frame(0x9, Buffer.from('x'), { fin: false }), 1002],
  ['ping over 125 bytes', () => frame(0x9, Buffer.alloc(126)), 1002],
];

describe('reliability: hostile WebSocket traffic', () => {
  it.each(BAD_FRAMES)('%s closes that socket only (code %#)', async (_name, bytes, code) => {
    const raw = await openRawSocket(server.port, server.token);
    raw.socket.write(bytes());
    figures.attacks++;
    figures.badFrames++;
    expect(await raw.closeCode).toBe(code);
    raw.socket.destroy();
    await stillServing();
  });

  it(`answers each of a ${BURST}-frame burst of malformed JSON with a validation error, then serves that socket`, async () => {
    const rand = seededRandom(12);
    const pieces = ['{', '"id":', '"method":', '"args":', '[', ':', ',', '"', 'null', 'tru', '1e', '\\u12', 'project.info', ' '];
    const messages = Array.from({ length: BURST }, (_, k) => {
      let text = k % 2 === 0 ? '{' : '';
      while (text.length < 4 + k % 40) text += pieces[Math.floor(rand() * pieces.length)];
      return isJson(text) ? `${text}{` : text;
    });
    expect(messages.filter(isJson)).toEqual([]); // every message of the burst is malformed
    const client = await Client.open(server);
    for (const m of messages) client.ws.send(m);
    figures.attacks++;
    figures.malformedJson += BURST;
    const after = await client.invoke('project.info', {});
    expect(after.result?.name).toBe(PROJECT); // the socket survives the burst, replies stay in order
    expect(client.malformedReplies.length).toBe(BURST);
    expect(new Set(client.malformedReplies.map((r) => `${r.ok} ${r.error?.code} ${r.error?.message}`))).toEqual(new Set(['false validation Malformed message (not JSON).']));
    client.close();
    await stillServing();
  });

  it(`keeps serving with ${HALF_OPEN} half-open sockets, closes the half-closed ones, and still shuts down promptly`, async () => {
    const second = await startServer({ engine: t.engine, port: 0, staticDir: '/nonexistent' });
    const sockets: Socket[] = [];
    const third = HALF_OPEN / 3;
    // A third stop in the middle of the HTTP upgrade request...
    for (let k = 0; k < third; k++) {
      const s = connect(second.port, '127.0.0.1');
      s.on('error', () => undefined);
      await new Promise((r) => s.once('connect', r));
      s.write(upgradeRequest(second.port, second.token).slice(0, 60 + k));
      sockets.push(s);
    }
    // ...a third are upgraded and stop in the middle of a frame (the header promises 256 bytes)...
    for (let k = 0; k < third; k++) {
      const raw = await openRawSocket(second.port, second.token);
      raw.socket.write(frame(0x1, Buffer.alloc(256, 0x20)).subarray(0, 8 + k));
      sockets.push(raw.socket);
    }
    // ...and a third are upgraded then half-closed (FIN sent, still reading): the server must close them.
    const halfClosed = await Promise.all(
      Array.from({ length: third }, async () => {
        const raw = await openRawSocket(second.port, second.token);
        const gone = new Promise<boolean>((r) => raw.socket.once('close', () => r(true)));
        raw.socket.end();
        return Promise.race([gone, new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
      }),
    );
    figures.attacks++;
    figures.halfOpenSockets += HALF_OPEN;
    expect(halfClosed.filter(Boolean).length).toBe(third);

    const client = await Client.open(second);
    expect((await client.invoke('project.info', {})).result?.name).toBe(PROJECT);
    client.close();
    await stillServing();
    const closing = Date.now();
    await second.close();
    const closeMs = Date.now() - closing;
    expect(closeMs).toBeLessThan(3000);
    await new Promise((r) => setTimeout(r, 100));
    // Closing the server ends every stalled connection too; none is left open on the client side.
    expect(sockets.filter((s) => !s.destroyed && s.readyState === 'open').length).toBe(0);
    for (const s of sockets) s.destroy();
  });
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
