// DNS over TCP frames each message with a 2-byte length (RFC 1035 4.2.2, RFC 7766). The length
// field bounds a message to 65535 bytes, so at most one partial frame (≤ 64 KiB) is ever held.
import type { Socket } from 'node:net';

/** Calls onMessage for each complete frame read from sock (several may share one chunk). */
export function readFrames(sock: Socket, onMessage: (msg: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  sock.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      const len = pending.readUInt16BE(0);
      if (pending.length < 2 + len) break;
      const msg = pending.subarray(2, 2 + len);
      pending = pending.subarray(2 + len);
      if (sock.destroyed) return;
      onMessage(msg);
    }
  });
}

/** One length-prefixed frame for msg (callers keep msg ≤ 65535 bytes). */
export function frame(msg: Buffer): Buffer {
  const out = Buffer.allocUnsafe(2 + msg.length);
  out.writeUInt16BE(msg.length, 0);
  msg.copy(out, 2);
  return out;
}
