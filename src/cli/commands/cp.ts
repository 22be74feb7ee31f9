// `wharf cp`: files between a container and the local filesystem, as `docker cp` (same path
// rules, see cp-paths.ts; `-` for a tar on stdin or stdout). Local archives are made and
// extracted with src/host/inroot, so an archive from a container cannot write outside the
// destination directory whatever symlinks or names it carries.
import { closeSync, openSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extractInRoot } from '../../host/inroot/extract.ts';
import { packObject } from '../../host/inroot/pack.ts';
import { statFd } from '../../host/inroot/resolve.ts';
import { O_DIRECTORY, O_NOFOLLOW, O_PATH, openat } from '../../host/openat2.ts';
import { packTar } from '../../lib/tar/writer.ts';
import type { CliContext, Command } from '../command.ts';
import { HumanSizeWithPrecision } from '../format/units.ts';
import {
  type CopyInfo,
  copyInfoDestinationPath,
  copyInfoSourcePath,
  getRebaseName,
  goClean,
  goDir,
  goError,
  prepareArchiveCopy,
  rebaseName,
  resolveLocalPath,
  splitCpArg,
  splitPathDirEntry,
} from './cp-paths.ts';

const GO_MODE_DIR = 2 ** 31;
const GO_MODE_SYMLINK = 2 ** 27;
const GO_MODE_DEVICE = 2 ** 26;
const GO_MODE_IRREGULAR = 2 ** 19;

interface CpConfig {
  container: string;
  source: string;
  dest: string;
  followLink: boolean;
  copyUIDGID: boolean;
  quiet: boolean;
}

function cpCommand(): Command {
  return {
    name: 'cp',
    use: 'cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\twharf cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
    short: 'Copy files/folders between a container and the local filesystem',
    aliasesLine: 'wharf container cp, wharf cp',
    flags: [
      { name: 'archive', short: 'a', kind: 'bool', help: 'Archive mode (copy all uid/gid information)' },
      { name: 'follow-link', short: 'L', kind: 'bool', help: 'Always follow symbol link in SRC_PATH' },
      {
        name: 'quiet',
        short: 'q',
        kind: 'bool',
        help: 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached',
      },
    ],
    args: { min: 2, max: 2 },
    async run(ctx, flags, args) {
      const [source = '', dest = ''] = args;
      if (source === '') throw new Error('source can not be empty');
      if (dest === '') throw new Error('destination can not be empty');
      const src = splitCpArg(source);
      const dst = splitCpArg(dest);
      const common = {
        source: src.path,
        dest: dst.path,
        followLink: flags.bool('follow-link'),
        copyUIDGID: flags.bool('archive'),
        // Quiet unless asked otherwise when stdout is no terminal, as docker.
        quiet: flags.changed('quiet') ? flags.bool('quiet') : !ctx.out.isTerminal,
      };
      if (src.container !== '' && dst.container !== '') throw new Error('copying between containers is not supported');
      if (src.container !== '') await copyFromContainer(ctx, { ...common, container: src.container });
      else if (dst.container !== '') await copyToContainer(ctx, { ...common, container: dst.container });
      else throw new Error('must specify at least one container source');
      return 0;
    },
  };
}

async function copyFromContainer(ctx: CliContext, cfg: CpConfig): Promise<void> {
  const api = ctx.client().containers;
  let dstPath = cfg.dest;
  if (dstPath !== '-') {
    dstPath = resolveLocalPath(dstPath);
    validateOutputPath(dstPath);
  }
  let srcPath = cfg.source;
  let rebaseTo = '';
  if (cfg.followLink) {
    const st = await api.statPath(cfg.container, srcPath).catch(() => undefined);
    if (st && st.mode & GO_MODE_SYMLINK) {
      let target = st.linkTarget;
      if (!target.startsWith('/')) target = posix.join(splitPathDirEntry(srcPath)[0], target);
      [srcPath, rebaseTo] = getRebaseName(srcPath, target);
    }
  }
  const { stat, body } = await api.getArchive(cfg.container, srcPath, ctx.signal);
  if (dstPath === '-') {
    await pipeline(body, ctx.out.stream, { end: false });
    return;
  }
  const counted = counter();
  const src: CopyInfo = { path: srcPath, exists: true, isDir: (stat.mode & GO_MODE_DIR) !== 0, rebaseName: rebaseTo };
  const dst = copyInfoDestinationPath(dstPath);
  const { dir, rebase } = prepareArchiveCopy(src, dst);
  const [, srcBase] = splitPathDirEntry(src.path);
  const rename = (name: string) => {
    let n = rebaseTo ? rebaseName(name, srcBase, rebaseTo) : name;
    if (rebase) n = rebaseName(n, rebase.from, rebase.to);
    return n;
  };
  let root: number;
  try {
    root = openSync(dir, O_PATH | O_DIRECTORY);
  } catch (err) {
    body.destroy();
    throw goError(err, dir);
  }
  try {
    await extractInRoot(through(body, counted.stream), root, '/', { noOverwriteDirNonDir: true, owner: 'keep', rename });
  } finally {
    closeSync(root);
  }
  if (!cfg.quiet) ctx.err.write(`Successfully copied ${HumanSizeWithPrecision(counted.bytes(), 3)} to ${dstPath}\n`);
}

async function copyToContainer(ctx: CliContext, cfg: CpConfig): Promise<void> {
  const api = ctx.client().containers;
  const dst: CopyInfo = { path: cfg.dest, exists: false, isDir: false, rebaseName: '' };
  // A failed stat is ignored: the destination may not exist yet, and the extraction says what
  // is wrong, if anything.
  const stat = (path: string) => api.statPath(cfg.container, path).catch(() => undefined);
  let st = await stat(cfg.dest);
  if (st && st.mode & GO_MODE_SYMLINK) {
    let target = st.linkTarget;
    if (!target.startsWith('/')) target = posix.join(splitPathDirEntry(cfg.dest)[0], target);
    dst.path = target;
    st = await stat(target);
  }
  if (st) {
    if (st.mode & GO_MODE_DEVICE || st.mode & GO_MODE_IRREGULAR) {
      const what = st.mode & GO_MODE_DEVICE ? 'got a device' : 'got an irregular file';
      throw new Error(`destination "${cfg.container}:${cfg.dest}" must be a directory or a regular file: ${what}`);
    }
    dst.exists = true;
    dst.isDir = (st.mode & GO_MODE_DIR) !== 0;
  }
  const counted = counter();
  let content: Readable;
  let dstDir: string;
  let cleanup = () => {};
  if (cfg.source === '-') {
    if (!dst.isDir) throw new Error(`destination "${cfg.container}:${cfg.dest}" must be a directory`);
    content = ctx.in.stream;
    dstDir = dst.path;
  } else {
    const src = copyInfoSourcePath(resolveLocalPath(cfg.source), cfg.followLink);
    const { dir, rebase } = prepareArchiveCopy(src, dst);
    const [srcDir, srcBase] = splitPathDirEntry(src.path);
    const top = rebase ? rebase.to : src.rebaseName || srcBase;
    const dirFd = openSync(srcDir, O_PATH | O_DIRECTORY);
    let fd: number;
    try {
      fd = srcBase === '.' ? openSync(srcDir, O_PATH | O_DIRECTORY) : openat(dirFd, srcBase, O_PATH | O_NOFOLLOW);
    } finally {
      closeSync(dirFd);
    }
    cleanup = () => closeSync(fd);
    content = Readable.from(packTar(packObject(fd, statFd(fd), { name: top })));
    dstDir = dir;
  }
  try {
    await api.putArchive(cfg.container, dstDir, through(content, counted.stream), { copyUIDGID: cfg.copyUIDGID, noOverwriteDirNonDir: true });
  } finally {
    cleanup();
  }
  if (!cfg.quiet) ctx.err.write(`Successfully copied ${HumanSizeWithPrecision(counted.bytes(), 3)} to ${cfg.container}:${dst.path}\n`);
}

/** docker's ValidateOutputPath: the parent must exist; an existing path must be a dir or a file. */
function validateOutputPath(path: string): void {
  const dir = goDir(goClean(path));
  if (!statSync(dir, { throwIfNoEntry: false })) throw new Error(`invalid output path: directory "${dir}" does not exist`);
  const st = statSync(path, { throwIfNoEntry: false });
  if (st && !st.isDirectory() && !st.isFile()) {
    throw new Error(`invalid output path: "${path}" must be a directory or a regular file: got ${st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'an irregular file'}`);
  }
}

/** `src` through `t`: an error on either side ends the other (pipe() would leave it hanging). */
function through(src: Readable, t: Transform): Transform {
  pipeline(src, t).catch(() => {}); // the error reaches t's reader
  return t;
}

/** A pass-through stream counting the bytes (the size docker reports). */
function counter(): { stream: Transform; bytes(): number } {
  let n = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, bytes: () => n };
}

export const cpTopCommand = cpCommand();
export const containerCpCommand = cpCommand();
