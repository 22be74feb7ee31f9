// Platforms as containerd's `platforms` package normalizes and matches them: "linux/arm64/v8",
// x86_64 → amd64, aarch64 → arm64 (variant v8 by default), arm → v7 by default; an arm/v7
// host also runs v6 and v5 images, an arm64 host arm64 images of any v8 spelling.
import { arch } from 'node:os';
import { invalidParameter } from '../lib/errors.ts';
import type { Platform } from '../image/types.ts';

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

export function normalizeArch(architecture: string, variant: string | undefined): { architecture: string; variant?: string } {
  let a = architecture.toLowerCase();
  let v = variant?.toLowerCase() || undefined;
  switch (a) {
    case 'i386':
      a = '386';
      v = undefined;
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      a = 'amd64';
      if (v === 'v1') v = undefined;
      break;
    case 'aarch64':
    case 'arm64':
      a = 'arm64';
      if (v === '8' || v === 'v8') v = undefined;
      break;
    case 'armhf':
      a = 'arm';
      v = 'v7';
      break;
    case 'armel':
      a = 'arm';
      v = 'v6';
      break;
    case 'arm':
      if (!v || v === '7') v = 'v7';
      else if (v === '5' || v === '6' || v === '8') v = `v${v}`;
      break;
  }
  return v ? { architecture: a, variant: v } : { architecture: a };
}

export function hostPlatform(): PlatformSpec {
  const a = arch();
  const goArch = a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
  return { os: 'linux', ...normalizeArch(goArch, undefined) };
}

/** Parses "--platform" ("linux/amd64", "linux/arm/v7", "arm64"); empty means the host's. */
export function parsePlatformSpec(s: string | undefined | null): PlatformSpec {
  if (!s) return hostPlatform();
  const parts = s.toLowerCase().split('/');
  if (parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p))) {
    throw invalidParameter(`"${s}": unknown operating system or architecture: invalid argument`);
  }
  if (parts.length === 1) {
    // containerd: a lone word is an OS if it knows it, else an architecture for the host OS.
    const w = parts[0]!;
    if (['linux', 'windows', 'darwin', 'freebsd'].includes(w)) return { os: w, ...normalizeArch(hostPlatform().architecture, undefined) };
    return { os: 'linux', ...normalizeArch(w, undefined) };
  }
  return { os: parts[0]!, ...normalizeArch(parts[1]!, parts[2]) };
}

/** "linux/amd64", "linux/arm/v7". */
export function formatPlatform(p: PlatformSpec): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * How well `candidate` serves `want`: undefined when it cannot run, else a rank (lower is
 * better) so an exact variant wins over a compatible older one.
 */
export function platformRank(want: PlatformSpec, candidate: Platform | PlatformSpec): number | undefined {
  if (candidate.os !== want.os) return undefined;
  const c = normalizeArch(candidate.architecture, candidate.variant);
  if (c.architecture !== want.architecture) return undefined;
  if (c.variant === want.variant) return 0;
  if (want.architecture === 'arm') {
    const order = ['v8', 'v7', 'v6', 'v5'];
    const w = order.indexOf(want.variant ?? 'v7');
    const k = order.indexOf(c.variant ?? 'v7');
    return w >= 0 && k > w ? k - w : undefined;
  }
  // amd64 v2/v3 images need a CPU we do not check for; take them only when asked.
  return want.variant === undefined && c.variant !== undefined ? undefined : c.variant === undefined ? 1 : undefined;
}
