// A push parser for tar streams (ustar, GNU 'L'/'K' long names, PAX 'x' and 'g' headers,
// base-256 numbers). Synchronous and callback based, the fastest shape for the layer
// unpacker; entries.ts wraps it as an async iterator. Besides parsed headers it reports the
// exact raw bytes of every header block and padding, so the stream can be rebuilt byte for
// byte (tar-split).
import {
  BLOCK,
  F,
  type TarHeader,
  decodeName,
  isZeroBlock,
  readNumeric,
  readString,
  tarError,
  typeOf,
  verifyChecksum,
} from './header.ts';
import { applyPax, parsePaxRecords } from './pax.ts';

export interface TarHandler {
  /** A member's header; `raw` holds all its header blocks (PAX/GNU ones included), owned by the handler. */
  entry(header: TarHeader, raw: Buffer): void;
  /** A piece of the current member's payload: a view valid only during the call. */
  data(chunk: Buffer): void;
  /** The current member ended; `padding` is the raw bytes filling its last block. */
  entryEnd(padding: Buffer): void;
  /** The end-of-archive blocks and everything after them (record padding), raw. */
  end(trailer: Buffer): void;
}

export interface TarParserOptions {
  /** Largest PAX header or GNU long name accepted (hostile input bound). Default 1 MiB. */
  maxMetaSize?: number;
  /** Largest tail after the end-of-archive marker kept for tar-split. Default 16 MiB. */
  maxTrailerSize?: number;
  /**
   * Accept an archive that stops right after an entry's data, without its padding or the
   * end-of-archive marker, as Go's archive/tar reader does: the docker CLI sends build
   * contexts cut like that when it adds a Dockerfile from outside the context.
   */
  lenientEnd?: boolean;
}

type State = 'header' | 'meta' | 'data' | 'pad' | 'trailer' | 'done';

// Types whose size field is ignored: no payload follows them (as Go's archive/tar does).
const HEADER_ONLY = new Set(['hardlink', 'symlink', 'char', 'block', 'directory', 'fifo']);

export class TarParser {
  /** Bytes consumed so far: error messages name offsets. */
  offset = 0;
  private state: State = 'header';
  private readonly handler: TarHandler;
  private readonly maxMeta: number;
  private readonly maxTrailer: number;
  private readonly lenientEnd: boolean;
  private readonly block = Buffer.alloc(BLOCK);
  private blockLen = 0;
  private remaining = 0; // payload or padding bytes left in the current state
  private padParts: Buffer[] = [];
  private raw: Buffer[] = []; // header blocks of the member being assembled
  private metaFlag = '';
  private meta: Buffer = Buffer.alloc(0);
  private metaLen = 0;
  private metaFilled = 0;
  private padAfterData = 0;
  private longName: string | undefined;
  private longLink: string | undefined;
  private localPax: Map<string, Buffer> | undefined;
  private readonly globalPax = new Map<string, Buffer>();
  private trailer: Buffer[] = [];
  private trailerLen = 0;
  private entryName = '';

  constructor(handler: TarHandler, opts: TarParserOptions = {}) {
    this.handler = handler;
    this.maxMeta = opts.maxMetaSize ?? 1 << 20;
    this.maxTrailer = opts.maxTrailerSize ?? 16 << 20;
    this.lenientEnd = opts.lenientEnd ?? false;
  }

  write(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      switch (this.state) {
        case 'header': {
          let blk: Buffer;
          if (this.blockLen === 0 && len - pos >= BLOCK) {
            blk = chunk.subarray(pos, pos + BLOCK);
            pos += BLOCK;
          } else {
            const n = Math.min(BLOCK - this.blockLen, len - pos);
            chunk.copy(this.block, this.blockLen, pos, pos + n);
            this.blockLen += n;
            pos += n;
            if (this.blockLen < BLOCK) continue;
            this.blockLen = 0;
            blk = this.block;
          }
          this.onHeaderBlock(blk);
          this.offset += BLOCK;
          break;
        }
        case 'data': {
          const n = Math.min(this.remaining, len - pos);
          this.handler.data(chunk.subarray(pos, pos + n));
          pos += n;
          this.offset += n;
          this.remaining -= n;
          if (this.remaining === 0) this.startPadding(this.padAfterData);
          break;
        }
        case 'pad': {
          const n = Math.min(this.remaining, len - pos);
          this.padParts.push(Buffer.from(chunk.subarray(pos, pos + n)));
          pos += n;
          this.offset += n;
          this.remaining -= n;
          if (this.remaining === 0) this.finishEntry();
          break;
        }
        case 'meta': {
          const n = Math.min(this.remaining, len - pos);
          const piece = chunk.subarray(pos, pos + n);
          this.raw.push(Buffer.from(piece));
          const keep = Math.min(n, this.metaLen - this.metaFilled);
          if (keep > 0) {
            piece.copy(this.meta, this.metaFilled, 0, keep);
            this.metaFilled += keep;
          }
          pos += n;
          this.offset += n;
          this.remaining -= n;
          if (this.remaining === 0) this.onMetaDone();
          break;
        }
        case 'trailer': {
          const piece = chunk.subarray(pos);
          this.addTrailer(piece);
          this.offset += piece.length;
          pos = len;
          break;
        }
        case 'done':
          throw tarError('data written after the end of the archive');
      }
    }
  }

  /** Call at end of input: throws if the archive was truncated. */
  end(): void {
    if (this.state === 'trailer') {
      this.state = 'done';
      this.handler.end(Buffer.concat(this.trailer));
      return;
    }
    if (this.state === 'done') return;
    if (this.lenientEnd && this.blockLen === 0 && this.raw.length === 0 && (this.state === 'pad' || this.state === 'header')) {
      if (this.state === 'pad') this.finishEntry();
      this.state = 'done';
      this.handler.end(Buffer.alloc(0));
      return;
    }
    const where = `at offset ${this.offset + this.blockLen}`;
    if (this.state === 'header' && this.blockLen === 0 && this.raw.length === 0) {
      throw tarError(
        this.offset === 0
          ? 'empty input is not a tar archive'
          : `truncated archive: missing end-of-archive marker ${where}`,
      );
    }
    const what = this.entryName ? ` in entry ${JSON.stringify(this.entryName)}` : '';
    throw tarError(`truncated archive${what} ${where}`);
  }

  // --- internals -------------------------------------------------------------------------

  private onHeaderBlock(blk: Buffer): void {
    if (isZeroBlock(blk)) {
      if (this.raw.length > 0) throw tarError(`truncated archive: extended header not followed by an entry at offset ${this.offset}`);
      this.state = 'trailer';
      this.addTrailer(blk);
      return;
    }
    if (!verifyChecksum(blk)) {
      throw tarError(`invalid header checksum at offset ${this.offset} (not a tar archive, or corrupted)`);
    }
    const flag = String.fromCharCode(blk[156] as number);
    const size = readNumeric(blk, F.size[0], F.size[1], 'size');
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > this.maxMeta) {
        const what = flag === 'x' || flag === 'g' ? 'PAX header' : 'GNU long name';
        throw tarError(`${what} of ${size} bytes at offset ${this.offset} exceeds the ${this.maxMeta}-byte limit`);
      }
      this.raw.push(Buffer.from(blk));
      this.metaFlag = flag;
      this.meta = Buffer.alloc(size);
      this.metaLen = size;
      this.metaFilled = 0;
      this.remaining = size + ((BLOCK - (size % BLOCK)) % BLOCK);
      if (this.remaining === 0) this.onMetaDone();
      else this.state = 'meta';
      return;
    }
    if (flag === 'S') throw tarError(`GNU sparse file at offset ${this.offset} is not supported`);
    const raw = this.raw.length === 0 ? Buffer.from(blk) : Buffer.concat([...this.raw, blk]);
    this.raw = [];
    const h = this.parseHeader(blk, flag, size);
    this.entryName = h.name;
    this.handler.entry(h, raw);
    this.remaining = h.size;
    this.padAfterData = (BLOCK - (h.size % BLOCK)) % BLOCK;
    if (h.size > 0) this.state = 'data';
    else this.startPadding(0);
  }

  private onMetaDone(): void {
    const data = this.meta;
    this.state = 'header';
    switch (this.metaFlag) {
      case 'x':
        this.localPax = parsePaxRecords(data);
        break;
      case 'g': {
        const records = parsePaxRecords(data);
        for (const [k, v] of records) this.globalPax.set(k, v);
        // A global header is reported as a member of its own so its raw bytes are kept.
        const h = emptyHeader('global', 'g');
        h.pax = records;
        const raw = Buffer.concat(this.raw);
        this.raw = [];
        this.handler.entry(h, raw);
        this.startPadding(0);
        break;
      }
      case 'L':
        this.longName = cString(data);
        break;
      case 'K':
        this.longLink = cString(data);
        break;
    }
  }

  private parseHeader(blk: Buffer, flag: string, size: number): TarHeader {
    const magic = blk.toString('latin1', 257, 263);
    const ustar = magic === 'ustar\0';
    const gnu = magic === 'ustar ';
    let name = this.longName ?? readString(blk, F.name[0], F.name[1]);
    if (this.longName === undefined && ustar && blk[345] !== 0) {
      name = `${readString(blk, F.prefix[0], F.prefix[1])}/${name}`;
    }
    let type = typeOf(flag);
    if (type === 'file' && flag !== '7' && name.endsWith('/')) type = 'directory'; // V7 directories
    const h = emptyHeader(type, flag);
    h.name = name;
    h.mode = readNumeric(blk, F.mode[0], F.mode[1], 'mode') & 0o7777;
    h.uid = readNumeric(blk, F.uid[0], F.uid[1], 'uid');
    h.gid = readNumeric(blk, F.gid[0], F.gid[1], 'gid');
    h.size = size;
    h.mtime = { sec: readNumeric(blk, F.mtime[0], F.mtime[1], 'mtime'), nsec: 0 };
    h.linkname = this.longLink ?? readString(blk, F.linkname[0], F.linkname[1]);
    if (ustar || gnu) {
      h.uname = readString(blk, F.uname[0], F.uname[1]);
      h.gname = readString(blk, F.gname[0], F.gname[1]);
      h.devmajor = readNumeric(blk, F.devmajor[0], F.devmajor[1], 'devmajor');
      h.devminor = readNumeric(blk, F.devminor[0], F.devminor[1], 'devminor');
    }
    if (gnu) {
      if (blk[345] !== 0) h.atime = { sec: readNumeric(blk, F.gnuAtime[0], F.gnuAtime[1], 'atime'), nsec: 0 };
      if (blk[357] !== 0) h.ctime = { sec: readNumeric(blk, F.gnuCtime[0], F.gnuCtime[1], 'ctime'), nsec: 0 };
    }
    const records = this.mergedPax();
    if (records) {
      h.pax = records;
      applyPax(h, records);
    }
    if (h.name.includes('\0') || h.linkname.includes('\0')) throw tarError(`entry name contains a NUL byte`);
    if (HEADER_ONLY.has(h.type)) h.size = 0;
    this.longName = undefined;
    this.longLink = undefined;
    this.localPax = undefined;
    return h;
  }

  private mergedPax(): Map<string, Buffer> | undefined {
    if (this.globalPax.size === 0) return this.localPax;
    const out = new Map<string, Buffer>();
    for (const [k, v] of this.globalPax) {
      // path, linkpath and size name one member; they make no sense archive-wide
      if (k !== 'path' && k !== 'linkpath' && k !== 'size') out.set(k, v);
    }
    if (this.localPax) for (const [k, v] of this.localPax) out.set(k, v);
    return out;
  }

  private startPadding(n: number): void {
    this.remaining = n;
    if (n === 0) this.finishEntry();
    else this.state = 'pad';
  }

  private finishEntry(): void {
    const pad = this.padParts.length === 1 ? (this.padParts[0] as Buffer) : Buffer.concat(this.padParts);
    this.padParts = [];
    this.state = 'header';
    this.entryName = '';
    this.handler.entryEnd(pad);
  }

  private addTrailer(piece: Buffer): void {
    // The block after the first zero block must be zero too (or absent): a non-zero block
    // there means a damaged archive, not an end.
    const start = this.trailerLen;
    for (let i = Math.max(start, BLOCK); i < Math.min(start + piece.length, 2 * BLOCK); i++) {
      if (piece[i - start] !== 0) throw tarError(`unexpected data after end-of-archive block at offset ${this.offset}`);
    }
    this.trailerLen += piece.length;
    if (this.trailerLen > this.maxTrailer) {
      throw tarError(`more than ${this.maxTrailer} bytes after the end-of-archive marker`);
    }
    this.trailer.push(Buffer.from(piece));
  }
}

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return decodeName(nul < 0 ? b : b.subarray(0, nul));
}

export function emptyHeader(type: TarHeader['type'], typeflag: string): TarHeader {
  return {
    name: '',
    type,
    typeflag,
    mode: 0,
    uid: 0,
    gid: 0,
    size: 0,
    mtime: { sec: 0, nsec: 0 },
    atime: undefined,
    ctime: undefined,
    linkname: '',
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: undefined,
    pax: undefined,
  };
}
