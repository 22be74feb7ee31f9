// docker cp's path rules (moby's archive/copy.go, which the docker CLI runs): Go's filepath
// semantics, a trailing "/" or "/." asserting a directory, and which directory an archive
// is extracted into with which top-level name, given what source and destination are.
import { lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { getSystemErrorMessage } from 'node:util';
import { errnoCode } from '../../lib/errors.ts';

export interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  /** The name the archive's top entry must take (a followed symlink keeps the link's name). */
  rebaseName: string;
}

/** Go's filepath.Clean. */
export function goClean(p: string): string {
  if (p === '') return '.';
  return posix.normalize(p).replace(/(.)\/+$/, '$1');
}

/** Go's filepath.Base. */
export function goBase(p: string): string {
  if (p === '') return '.';
  const t = p.replace(/\/+$/, '');
  if (t === '') return '/';
  return t.slice(t.lastIndexOf('/') + 1);
}

/** Go's filepath.Dir. */
export function goDir(p: string): string {
  return goClean(p.slice(0, p.lastIndexOf('/') + 1));
}

const hasTrailingSeparator = (p: string) => p.endsWith('/');
const specifiesCurrentDir = (p: string) => goBase(p) === '.';
/** A trailing "/" or "/." says the path must be a directory. */
export const assertsDirectory = (p: string) => hasTrailingSeparator(p) || specifiesCurrentDir(p);

/** Appends the trailing "/." or "/" the original path had and cleaning removed. */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  let out = cleaned;
  if (!specifiesCurrentDir(out) && specifiesCurrentDir(original)) {
    if (!hasTrailingSeparator(out)) out += '/';
    out += '.';
  }
  if (!hasTrailingSeparator(out) && hasTrailingSeparator(original)) out += '/';
  return out;
}

/** Directory and base name of a path, cleaned, keeping a final "." ("/a/." → ["/a", "."]). */
export function splitPathDirEntry(path: string): [string, string] {
  let cleaned = goClean(path);
  if (specifiesCurrentDir(path)) cleaned += '/.';
  return [goDir(cleaned), goBase(cleaned)];
}

/** An absolute local path, keeping a trailing "/" or "/.". */
export function resolveLocalPath(p: string): string {
  return preserveTrailingDotOrSeparator(resolve(p), p);
}

/**
 * docker cp's CONTAINER:PATH split. A local path with a colon must be made explicit ("./a:b",
 * "/a:b"); a first part starting with "." is a local path.
 */
export function splitCpArg(arg: string): { container: string; path: string } {
  if (arg.startsWith('/')) return { container: '', path: arg };
  const i = arg.indexOf(':');
  if (i < 0 || arg.startsWith('.')) return { container: '', path: arg };
  return { container: arg.slice(0, i), path: arg.slice(i + 1) };
}

/** The resolved path with the original's trailing "/" or "/.", and the name it must keep. */
export function getRebaseName(path: string, resolved: string): [string, string] {
  let r = resolved;
  if (specifiesCurrentDir(path) && !specifiesCurrentDir(r)) r += '/.';
  if (hasTrailingSeparator(path) && !hasTrailingSeparator(r)) r += '/';
  return [r, goBase(path) !== goBase(r) ? goBase(path) : ''];
}

/** A Go-worded error for a failed local syscall ("lstat /x: no such file or directory"). */
export function goError(err: unknown, fallbackPath: string): Error {
  const e = err as { syscall?: string; path?: string; errno?: number };
  const code = errnoCode(err);
  if (!code || e.errno === undefined) return err instanceof Error ? err : new Error(String(err));
  return new Error(`${e.syscall ?? 'stat'} ${e.path ?? fallbackPath}: ${getSystemErrorMessage(e.errno)}`);
}

/** The local source: parent symlinks resolved, the last element too with -L (must exist). */
export function copyInfoSourcePath(path: string, followLink: boolean): CopyInfo {
  let resolvedPath: string;
  let rebaseName = '';
  try {
    if (followLink) {
      [resolvedPath, rebaseName] = getRebaseName(path, realpathSync(path));
    } else {
      const cut = path.lastIndexOf('/') + 1;
      const dir = path.slice(0, cut);
      const base = path.slice(cut);
      resolvedPath = `${goClean(realpathSync(dir === '' ? '.' : dir)).replace(/\/$/, '')}/${base}`;
      if (hasTrailingSeparator(path) && goBase(path) !== goBase(resolvedPath)) rebaseName = goBase(path);
    }
    const st = lstatSync(resolvedPath);
    return { path: resolvedPath, exists: true, isDir: st.isDirectory(), rebaseName };
  } catch (err) {
    throw goError(err, path);
  }
}

/**
 * The local destination: symlinks followed (a broken last one is fine: its target gets
 * created); when it does not exist, its parent must be an existing directory.
 */
export function copyInfoDestinationPath(original: string): CopyInfo {
  let path = original;
  const lst = (p: string) => lstatSync(p, { throwIfNoEntry: false });
  try {
    let st = lst(path);
    for (let n = 0; st?.isSymbolicLink(); n++) {
      if (n > 10) throw new Error(`too many symlinks in ${original}`);
      let target = readlinkSync(path);
      if (!target.startsWith('/')) target = posix.join(splitPathDirEntry(path)[0], target);
      path = target;
      st = lst(path);
    }
    if (st) return { path, exists: true, isDir: st.isDirectory(), rebaseName: '' };
    const [parent] = splitPathDirEntry(path);
    if (!statSync(parent).isDirectory()) throw new Error('not a directory');
    return { path, exists: false, isDir: false, rebaseName: '' };
  } catch (err) {
    throw goError(err, path);
  }
}

/**
 * Where an archive of `src` goes for `dst` (moby's PrepareArchiveCopy): the directory to
 * extract into, and the new top-level name of the archive's members (undefined: unchanged).
 */
export function prepareArchiveCopy(src: CopyInfo, dst: CopyInfo): { dir: string; rebase: { from: string; to: string } | undefined } {
  const [dstDir, dstBase] = splitPathDirEntry(dst.path);
  const [, srcBase] = splitPathDirEntry(src.path);
  const from = src.rebaseName || srcBase;
  if (dst.exists && dst.isDir) return { dir: dst.path, rebase: undefined };
  if (dst.exists && src.isDir) throw new Error('cannot copy directory');
  if (!dst.exists && !src.isDir && assertsDirectory(dst.path)) throw new Error('no such directory');
  return { dir: dstDir, rebase: { from, to: dstBase } };
}

/** moby's RebaseArchiveEntries on one name: the leading `from` becomes `to` ("/" as ""). */
export function rebaseName(name: string, from: string, to: string): string {
  const old = from === '/' ? '' : from;
  return name.startsWith(old) ? to + name.slice(old.length) : name;
}
