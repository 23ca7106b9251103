import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** Header flags of a hand-made client frame; the defaults make a valid one (FIN, masked). */
export interface FrameFlags {
  fin?: boolean;
  rsv?: number;
  masked?: boolean;
  /** The length the header claims; defaults to the payload's. */
  claimedLength?: number;
}

/** A WebSocket frame from a client (RFC 6455 §5.2), any field wrong on purpose. */
export function frame(opcode: number, payload: Buffer, flags: FrameFlags = {}): Buffer {
  const { fin = true, rsv = 0, masked = true, claimedLength = payload.length } = flags;
  const first = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  const maskBit = masked ? 0x80 : 0;
  let head: Buffer;
  if (claimedLength < 126) head = Buffer.from([first, maskBit | claimedLength]);
  else if (claimedLength < 0x10000) head = Buffer.from([first, maskBit | 126, claimedLength >> 8, claimedLength & 0xff]);
  else {
    head = Buffer.alloc(10);
    head[0] = first;
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(BigInt(claimedLength), 2);
  }
  if (!masked) return Buffer.concat([head, payload]);
  const mask = randomBytes(4);
  return Buffer.concat([head, mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))]);
}

/** An upgraded raw connection to /ws: bytes in, and what the server sent back after the 101. */
export interface RawSocket {
  socket: Socket;
  /** Resolves with the status code of the server's close frame, or null when the socket ended without one. */
  closeCode: Promise<number | null>;
}

export async function openRawSocket(port: number, token: string): Promise<RawSocket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  socket.write(upgradeRequest(port, token));
  let received = Buffer.alloc(0);
  let settle: (code: number | null) => void = () => undefined;
  const closeCode = new Promise<number | null>((resolve) => (settle = resolve));
  let upgraded = false;
  await new Promise<void>((resolve, reject) => {
    socket.on('error', () => settle(null));
    socket.on('close', () => settle(null));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (!upgraded) {
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!received.subarray(0, end).toString().startsWith('HTTP/1.1 101')) return reject(new Error(`no upgrade: ${received.toString()}`));
        received = received.subarray(end + 4);
        upgraded = true;
        resolve();
      }
      // A server frame is never masked: 0x88 (FIN + close), a 7-bit length, the 16-bit status code.
      if (received[0] === 0x88 && received.length >= 4) settle(received.readUInt16BE(2));
    });
  });
  return { socket, closeCode };
}

export function upgradeRequest(port: number, token: string): string {
  return (
    `GET /ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`
  );
}
