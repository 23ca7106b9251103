import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createTestProject, type TestEngine } from '../testing/test-engine.ts';
import { type RunningServer, startServer } from './server.ts';

let t: TestEngine;
let server: RunningServer;
afterEach(async () => {
  await server?.close();
  await t?.dispose();
});

async function start() {
  t = await createTestProject('Still serving');
  server = await startServer({ engine: t.engine, port: 0, staticDir: '/nonexistent' });
}

/** A client frame: FIN set, the given opcode, masked as RFC 6455 requires of clients. */
function frame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([head, mask, body]);
}

/** Opens a raw WebSocket connection, sends one frame and resolves with the close code the server sent. */
async function closeCodeAfter(bytes: Buffer): Promise<number> {
  const socket: Socket = connect(server.port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  socket.write(
    `GET /ws?token=${server.token} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let received = Buffer.alloc(0);
  let upgraded = false;
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (!upgraded) {
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        expect(received.subarray(0, 12).toString()).toBe('HTTP/1.1 101');
        received = received.subarray(end + 4);
        upgraded = true;
        socket.write(bytes);
      }
      // The close frame: 0x88, a length, then the status code (server frames are not masked).
      if (received.length >= 4 && received[0] === 0x88) {
        resolve(received.readUInt16BE(2));
        socket.destroy();
      }
    });
  });
}

async function projectName(): Promise<string> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
  await new Promise((r) => ws.once('open', r));
  const reply = new Promise<{ result: { name: string } }>((r) => ws.once('message', (m) => r(JSON.parse(m.toString()))));
  ws.send(JSON.stringify({ id: 1, method: 'project.info', args: {} }));
  const { result } = await reply;
  ws.close();
  return result.name;
}

describe('browser-mode server: a bad WebSocket frame closes that socket only', () => {
  it('closes an oversize message with 1009 (message too big) and keeps serving', async () => {
    await start();
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.on('error', () => undefined);
    ws.send(JSON.stringify({ id: 1, method: 'labels.set', args: { imageIds: Array.from({ length: 200_000 }, (_, i) => i + 1) } }));
    expect(await closed).toBe(1009);
    expect(await projectName()).toBe('Still serving');
  });

  it('closes invalid UTF-8 text with 1007 and keeps serving', async () => {
    await start();
    expect(await closeCodeAfter(frame(0x1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])))).toBe(1007);
    expect(await projectName()).toBe('Still serving');
  });

  it('closes a reserved opcode with 1002 (protocol error) and keeps serving', async () => {
    await start();
    expect(await closeCodeAfter(frame(0x3, Buffer.from('hello')))).toBe(1002);
    expect(await projectName()).toBe('Still serving');
  });
});
