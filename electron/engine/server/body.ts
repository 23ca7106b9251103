import type { IncomingMessage } from 'node:http';
import type { RequestMessage } from '../../../shared/contract/index.ts';

/** A request the API refuses before dispatch: the HTTP status and a message saying what to send instead. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a POST /api/invoke body of at most `limit` bytes. An oversize body is read to its end and
 * dropped, so the client gets a 413 it can read instead of a connection reset mid-upload.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => {
      if (size <= limit) return resolve(Buffer.concat(chunks));
      reject(new BodyError(413, `Request body is ${size} bytes; the limit is ${limit}. Send large id lists in parts (e.g. 10,000 ids per call).`));
    });
    req.on('error', reject);
  });
}

/** Parses a request body: one JSON object naming `method` (and `args`); an empty body is `{}`. */
export function parseRequest(body: Buffer): Partial<RequestMessage> {
  const text = body.toString('utf8').trim() || '{}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new BodyError(400, `Request body is not valid JSON (${(e as Error).message}); send {"method": "project.info", "args": {}}.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BodyError(400, 'Request body must be a JSON object like {"method": "project.info", "args": {}}.');
  }
  return parsed as Partial<RequestMessage>;
}
