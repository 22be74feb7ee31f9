// The websocket form of a hijacked connection (GET /containers/{id}/attach/ws): the `ws`
// package does the handshake and framing; the route gets a plain Duplex. Output goes out as
// binary frames (text frames below API 1.28, as dockerd does); every message received is
// input. Closing either side closes the other.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

const server = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** Completes the websocket handshake on an upgrade request's socket. */
export function upgradeWebSocket(req: IncomingMessage, socket: Socket, head: Buffer, binary: boolean): Promise<Duplex> {
  return new Promise((resolve) => {
    server.handleUpgrade(req, socket, head, (ws) => resolve(webSocketDuplex(ws, binary)));
  });
}

function webSocketDuplex(ws: WebSocket, binary: boolean): Duplex {
  const duplex = new Duplex({
    read() {
      ws.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== WebSocket.OPEN) return cb();
      ws.send(chunk, { binary }, (err) => cb(err ?? null));
    },
    final(cb) {
      ws.close(1000);
      cb();
    },
    destroy(err, cb) {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
      cb(err);
    },
  });
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (!duplex.push(buf)) ws.pause();
  });
  ws.once('close', () => {
    duplex.push(null);
    if (!duplex.writableEnded) duplex.end();
  });
  ws.on('error', (err) => duplex.destroy(err));
  return duplex;
}
