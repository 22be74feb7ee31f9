#!/usr/bin/env bash
# Installs what Wharf needs, idempotently and quietly when everything is already there.
#
#   scripts/deps.sh            Debian packages for wharfd and the tests, then node_modules
#   scripts/deps.sh --bench    also the reference engines (docker.io, podman) for bench/
#   scripts/deps.sh --npm      only node_modules
#
# apt-get runs only when dpkg-query says a package is missing (and `apt-get update` only then);
# `npm ci` runs only when package-lock.json changed since the last install (a hash stamp in
# node_modules) or the pinned Node 24 is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# What wharfd runs: OCI runtimes, the monitor, an init, CNI plugins, firewall and netlink
# tools, busybox for the base image, setfattr/getfattr.
RUNTIME_PKGS=(crun runc conmon tini containernetworking-plugins iptables iproute2 busybox-static attr)
# What the tests need: a registry, skopeo as an API client, debootstrap for the Debian fixture,
# and the tools the fixtures, the harness and the demo use (openssl: certificates for TLS tests).
TEST_PKGS=(docker-registry skopeo debootstrap make tar gzip util-linux ca-certificates curl openssl)
# The reference engines bench/ compares against.
BENCH_PKGS=(docker.io podman catatonit)

want_apt=1
pkgs=("${RUNTIME_PKGS[@]}" "${TEST_PKGS[@]}")
for arg in "$@"; do
  case "$arg" in
    --bench) pkgs+=("${BENCH_PKGS[@]}") ;;
    --npm) want_apt=0 ;;
    *) echo "deps.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

say() { printf 'deps: %s\n' "$*" >&2; }

missing_pkgs() {
  local p status
  for p in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || printf '%s\n' "$p"
  done
}

apt_install() {
  local missing
  mapfile -t missing < <(missing_pkgs "$@")
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages: ${missing[*]} (run as root to install them)"
    exit 1
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  local log policy=/usr/sbin/policy-rc.d made_policy=0
  log=$(mktemp)
  # Packages with daemons (docker.io, containerd) must not start them: bench/ and the tests start
  # their own, on their own sockets. policy-rc.d answering 101 is Debian's way to say so.
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
    trap '[ "$made_policy" = 1 ] && rm -f "$policy"' EXIT
  fi
  # apt-get update only now that something is missing; its output is kept for errors only.
  if ! apt-get update -qq >"$log" 2>&1 || ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    say "apt-get failed"
    exit 1
  fi
  rm -f "$log"
  if [ "$made_policy" = 1 ]; then rm -f "$policy"; trap - EXIT; fi
  mapfile -t missing < <(missing_pkgs "$@")
  if [ ${#missing[@]} -ne 0 ]; then
    say "still missing after apt-get: ${missing[*]}"
    exit 1
  fi
}

npm_install() {
  local stamp=node_modules/.wharf-deps-stamp want have=""
  want=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
  [ -f "$stamp" ] && have=$(cat "$stamp")
  if [ "$want" = "$have" ] && [ -x node_modules/node/bin/node ] && [ -x node_modules/.bin/tsc ]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    apt_install npm
  fi
  say "npm ci (package-lock.json changed or node_modules missing)"
  local log
  log=$(mktemp)
  if ! npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    say "npm ci failed"
    exit 1
  fi
  rm -f "$log"
  local v
  v=$(node_modules/node/bin/node --version)
  case "$v" in
    v24.*) ;;
    *) say "node_modules/node/bin/node is $v, expected v24"; exit 1 ;;
  esac
  printf '%s\n' "$want" >"$stamp"
}

if [ "$want_apt" -eq 1 ]; then
  apt_install "${pkgs[@]}"
fi
npm_install
