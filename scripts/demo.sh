#!/usr/bin/env bash
# The Wharf demo: starts wharfd on its own socket, data root, bridge, subnets and firewall chain
# prefix, imports a busybox image made from the host's busybox-static, walks through the image
# commands with the real docker CLI and with wharf, then runs containers end to end (run --rm, a
# detached one whose logs are followed, exec, ps, stop/rm, an interactive `run -it` through a pty),
# networks (a user-defined bridge with name resolution, a published port, docker port), volumes
# (a named volume outliving its writer, docker cp both ways), a multi-stage build with its cache,
# and a push/pull round trip through Wharf's own registry server. Every step is checked: a broken
# feature fails the demo. At the end it removes what it made (containers, network, volume), stops
# the registry and the daemon, and takes back the daemon's bridge, namespaces, firewall chains,
# mounts and data. `scripts/demo.sh --keep` (or KEEP=1 make demo) leaves the daemon running;
# `scripts/demo.sh --stop` then ends it and takes everything back.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

SOCK=/run/wharf-demo.sock
HOST=unix://$SOCK
DATA=/var/lib/wharf-demo
EXEC=/run/wharf-demo
PIDFILE=/run/wharf-demo.pid
LOG=/var/log/wharf-demo.log
# The demo daemon's own networking names, apart from a default wharfd's (wharf0, WHARF) and the
# test daemons' (wh<hex>, 10.64-127.x): its bridge, chains and subnets never touch theirs.
BRIDGE=wharf-demo0
FW_PREFIX=WHDEMO
# Its default bridge takes the pool's first /24, demo-net the next (--bip goes with wharfd's default bridge name only, as in dockerd).
POOL=10.213.0.0/20
KEEP=${KEEP:-0}
[ "${1:-}" = "--keep" ] && KEEP=1
NODE=$REPO/node_modules/node/bin/node
DOCKER=${DOCKER:-/usr/local/bin/docker}
WHARF="$REPO/bin/wharf -H $HOST"
# `wharf` in the lines shown as typed is bin/wharf.
export PATH="$REPO/bin:$PATH"
export DOCKER_HOST=$HOST DOCKER_CLI_HINTS=false
[ -x "$DOCKER" ] || { echo "note: $DOCKER not found; using the wharf CLI for docker commands"; DOCKER="$REPO/bin/wharf"; }

if [ -t 1 ]; then B=$'\033[1m' C=$'\033[36m' R=$'\033[0m'; else B='' C='' R=''; fi
bold() { printf '\n%s%s%s\n' "$B" "$*" "$R"; }
# Prints the command as one would type it (quoted where needed, "docker" for the CLI).
show() {
  local shown="" a
  [ "$1" = env ] && shift # env VAR=value cmd: shown as VAR=value cmd
  for a in "$@"; do
    a=${a//$DOCKER/docker}
    [ "$a" = "$REPO/bin/wharf" ] && a=wharf
    if [[ "$a" =~ [^A-Za-z0-9_./:=@%+,-] ]]; then shown+="'${a//\'/\'\\\'\'}' "; else shown+="$a "; fi
  done
  printf '%s$ %s%s\n' "$C" "${shown% }" "$R"
}
run() { show "$@"; "$@"; }
# Shows a shell line as typed (redirections, &) and runs it.
typed() { printf '%s$ %s%s\n' "$C" "$1" "$R"; eval "$1"; }
# Like run, and keeps what the command printed on stdout in $out (shown too, without the CRs of a
# TTY) and its exit code in $rc, for the checks below.
capture() {
  show "$@"
  rc=0
  "$@" >"$WORK/out" || rc=$?
  out=$(cat "$WORK/out")
  if [ -n "$out" ]; then printf '%s\n' "$out" | tr -d '\r'; fi
}
# Like capture, with stderr kept in $out too (docker logs passes the container's stderr there).
capture_all() {
  show "$@"
  rc=0
  "$@" >"$WORK/out" 2>&1 || rc=$?
  out=$(cat "$WORK/out")
  if [ -n "$out" ]; then printf '%s\n' "$out" | tr -d '\r'; fi
}
# Fails the demo with a message when what a command printed lacks an expected string.
check() { if ! grep -q -- "$2" <<<"$3"; then echo "demo check failed: $1 (expected '$2' in: $3)" >&2; exit 1; fi; }

[ "$(id -u)" -eq 0 ] || { echo "the demo runs wharfd, which needs root" >&2; exit 1; }
[ -x "$NODE" ] || { echo "node_modules is missing: run make demo (or make deps)" >&2; exit 1; }

ping_ok() { curl -fsS --unix-socket "$SOCK" http://localhost/_ping >/dev/null 2>&1; }

# Only ever the daemon this script started, by its PID.
daemon_pid=""
# Set once this run may take the demo's roots and network back (no other demo daemon uses them).
owned=0
unmount_under() {
  awk -v root="$1" '$5 == root || index($5, root "/") == 1 { print $5 }' /proc/self/mountinfo |
    awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2- |
    while read -r mp; do umount "$mp" 2>/dev/null || umount -l "$mp"; done
}
# wharfd keeps bridges, firewall chains and network namespaces when it stops (live restore), as
# dockerd keeps docker0: the demo's (its bridge alias and chains carry $FW_PREFIX) go afterwards.
net_teardown() {
  [ -d "$EXEC/network" ] || ip link show "$BRIDGE" >/dev/null 2>&1 || iptables -S "$FW_PREFIX-FORWARD" >/dev/null 2>&1 || return 0
  "$NODE" --disable-warning=ExperimentalWarning "$REPO/test/e2e/net-teardown.ts" "$EXEC/network" "$FW_PREFIX"
}
stop_daemon() {
  [ "$owned" = 1 ] || return 0
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    # Containers outlive their daemon (live restore): end them first (a failed demo leaves some).
    ids=$("$DOCKER" ps -aq 2>/dev/null) || ids=""
    # shellcheck disable=SC2086 # one ID per word
    [ -z "$ids" ] || "$DOCKER" rm -f $ids >/dev/null 2>&1 || true
    kill -TERM "$daemon_pid"
    for _ in $(seq 100); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$daemon_pid" 2>/dev/null && kill -KILL "$daemon_pid"
  fi
  daemon_pid=""
  net_teardown || echo "the network teardown failed: see above" >&2
  unmount_under "$DATA"
  unmount_under "$EXEC"
  rm -rf "$DATA" "$EXEC" "$SOCK"
  echo "wharfd stopped; $DATA removed, bridge $BRIDGE and the $FW_PREFIX-* chains taken back"
}
# The registry server started below, stopped by its PID (in --keep mode too: its root is in $WORK).
registry_pid=""
stop_registry() {
  [ -n "$registry_pid" ] || return 0
  kill -TERM "$registry_pid" 2>/dev/null || true
  wait "$registry_pid" 2>/dev/null || true
  registry_pid=""
}

# The demo daemon's PID when its pidfile names a live wharfd on the demo's socket.
kept_daemon() {
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-H $HOST " && echo "$pid"
}
# scripts/demo.sh --stop: ends a daemon --keep left running and takes back all it made.
if [ "${1:-}" = "--stop" ]; then
  daemon_pid=$(kept_daemon) || echo "no demo wharfd is running; removing what a demo may have left"
  owned=1
  stop_daemon
  exit 0
fi

WORK=$(mktemp -d /tmp/wharf-demo-XXXXXX)
trap 'stop_registry; if [ "$KEEP" != 1 ] || [ -z "$daemon_pid" ]; then stop_daemon; fi; rm -rf "$WORK"' EXIT

if ping_ok || kept_daemon >/dev/null; then
  echo "A demo wharfd already serves $SOCK (left running with --keep?)." >&2
  echo "Stop it first: scripts/demo.sh --stop" >&2
  exit 1
fi
owned=1
# Leftovers of an interrupted demo (nothing runs on them: checked above).
stop_daemon >/dev/null

bold "Building the busybox rootfs from the host's busybox-static"
BUSYBOX_TAR=$("$NODE" test/fixtures/build.ts busybox)
ls -lh "$BUSYBOX_TAR"

bold "Starting wharfd on $HOST (data root $DATA, log $LOG)"
mkdir -p "$(dirname "$LOG")"
echo "$ bin/wharfd -H $HOST --data-root $DATA --exec-root $EXEC --pidfile $PIDFILE \\"
echo "    --bridge $BRIDGE --default-address-pool base=$POOL,size=24 --fw-prefix $FW_PREFIX"
bin/wharfd -H "$HOST" --data-root "$DATA" --exec-root "$EXEC" --pidfile "$PIDFILE" \
  --bridge "$BRIDGE" --default-address-pool "base=$POOL,size=24" --fw-prefix "$FW_PREFIX" >>"$LOG" 2>&1 &
daemon_pid=$!
started=$(date +%s%N)
until ping_ok; do
  if ! kill -0 "$daemon_pid" 2>/dev/null; then
    daemon_pid=""
    echo "wharfd exited; the end of $LOG:" >&2
    tail -n 20 "$LOG" >&2
    exit 1
  fi
  sleep 0.02
done
echo "wharfd (pid $daemon_pid) answered /_ping after $(( ($(date +%s%N) - started) / 1000000 )) ms"

bold "The docker CLI talks to wharfd (DOCKER_HOST=$HOST)"
run "$DOCKER" version --format 'client {{.Client.Version}}, server {{.Server.Version}}, API {{.Server.APIVersion}}'
run "$DOCKER" info --format 'storage driver {{.Driver}}, root dir {{.DockerRootDir}}, {{.NCPU}} CPUs, kernel {{.KernelVersion}}'

bold "Import the busybox rootfs as an image"
run "$DOCKER" import --change 'CMD ["/bin/sh"]' --change 'ENV DEMO=1' "$BUSYBOX_TAR" demo/busybox:latest
run "$DOCKER" images

bold "Inspect it: the ID is the digest of its config, the layer is the digest of the tar"
run "$DOCKER" image inspect --format 'Id:     {{.Id}}
Cmd:    {{json .Config.Cmd}}
Env:    {{json .Config.Env}}
Layers: {{json .RootFS.Layers}}
Size:   {{.Size}} bytes' demo/busybox:latest
echo "sha256 of the tar: sha256:$(sha256sum "$BUSYBOX_TAR" | cut -d' ' -f1)"
run "$DOCKER" history demo/busybox:latest

bold "Save, remove, load back: the same image ID"
before=$("$DOCKER" image inspect --format '{{.Id}}' demo/busybox:latest)
run "$DOCKER" save -o "$WORK/busybox.tar" demo/busybox:latest
run tar -tf "$WORK/busybox.tar"
run "$DOCKER" rmi demo/busybox:latest
run "$DOCKER" load -i "$WORK/busybox.tar"
after=$("$DOCKER" image inspect --format '{{.Id}}' demo/busybox:latest)
if [ "$before" = "$after" ]; then echo "same ID after the round trip: $after"; else echo "ID changed: $before -> $after" >&2; exit 1; fi

bold "A multi-layer image (whiteouts, an opaque dir, hard links, symlinks) built from tar files"
"$NODE" test/fixtures/build.ts multilayer "$WORK/multilayer.tar" >/dev/null
run "$DOCKER" load -i "$WORK/multilayer.tar"
run "$DOCKER" history wharf-test/multilayer:latest

bold "Tag and untag"
run "$DOCKER" tag demo/busybox:latest demo/busybox:v2
run "$DOCKER" images demo/busybox
run "$DOCKER" rmi demo/busybox:v2
run "$DOCKER" system df

bold "The wharf CLI does the same"
run $WHARF images
run $WHARF image inspect --format '{{.Id}}' demo/busybox:latest

# ---- containers ----
bold "Containers: wharfd hands an OCI bundle to $("$DOCKER" info --format '{{.DefaultRuntime}}') under conmon (one small monitor per container, no Node process)"
"$DOCKER" info --format '{{range .Warnings}}{{println .}}{{end}}' | grep -E 'crun|runc' || true
run "$DOCKER" tag demo/busybox:latest busybox:latest
capture "$DOCKER" run --rm busybox echo hello
check "run --rm echo" hello "$out"

bold "A detached container, its logs followed for 3 s (docker logs -f, ended by timeout)"
run "$DOCKER" run -d --name ticker busybox sh -c 'trap "echo stopping; exit 0" TERM; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.5; done'
capture timeout 3 "$DOCKER" logs -f ticker
[ "$rc" = 124 ] || { echo "demo check failed: logs -f should still be following when timeout ends it (exit $rc)" >&2; exit 1; }
check "logs -f" "tick 4" "$out"

bold "exec into it, list it, stop it (its TERM trap runs) and remove it"
capture "$DOCKER" exec ticker ps -o pid,comm
check "exec ps" sleep "$out"
capture "$DOCKER" exec -e WHO=exec -w /tmp ticker sh -c 'echo "$WHO in $(pwd) of $(hostname)"'
check "exec -e -w" "exec in /tmp of" "$out"
run "$DOCKER" ps --format 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Status}}\t{{.Names}}'
run "$DOCKER" stop ticker
capture "$DOCKER" ps -a --filter name=ticker --format '{{.Names}}: {{.Status}}'
check "stop" "Exited (0)" "$out"
capture "$DOCKER" logs --tail 1 ticker
check "the TERM trap ran" stopping "$out"
run "$DOCKER" rm ticker

bold "An interactive shell on a real TTY: docker run -it inside a pty made by script, keystrokes piped in"
echo "(script --echo never: only the container's TTY echoes the keystrokes, typed ahead of the shell's prompt)"
capture script -q --echo never -ec "$DOCKER run -it --rm busybox sh" /dev/null <<<'echo from-tty $(tty)
exit 7'
echo "exit code: $rc"
check "the shell answered on a pty" "from-tty /dev/pts/" "$out"
[ "$rc" = 7 ] || { echo "demo check failed: docker run -it should exit with the shell's 7, got $rc" >&2; exit 1; }
run "$DOCKER" ps -a

# ---- networks ----
bold "Networks: a user-defined bridge whose containers find each other by name (wharfd's embedded DNS)"
# A host port nothing listens on, for -p (the kernel picks it; wharfd then holds it).
WEB_PORT=$("$NODE" -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
run "$DOCKER" network create demo-net
run "$DOCKER" run -d --name web --network demo-net -p "127.0.0.1:$WEB_PORT:80" busybox \
  sh -c 'mkdir /www && echo "hello from $(hostname), served by busybox httpd" >/www/index.html && exec httpd -f -v -p 80 -h /www'
# httpd listens a moment after `run -d` returns: wait for a TCP connect (no request, nothing logged).
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$WEB_PORT") 2>/dev/null && break; sleep 0.1; done
capture "$DOCKER" run --rm --network demo-net busybox wget -qO- http://web/
check "a container fetches http://web/ by name" "served by busybox httpd" "$out"
capture "$DOCKER" network inspect --format '{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}} on {{range .IPAM.Config}}{{.Subnet}}{{end}}' demo-net
check "network inspect" "web 10.213." "$out"

bold "A published port: the host reaches the container through 127.0.0.1:$WEB_PORT"
capture "$DOCKER" port web
check "docker port" "80/tcp -> 127.0.0.1:$WEB_PORT" "$out"
capture curl -fsS "http://127.0.0.1:$WEB_PORT/"
check "curl of the published port" "served by busybox httpd" "$out"
echo "(httpd -v logs each request's source: the client on demo-net, then the host through the gateway)"
capture_all "$DOCKER" logs web
check "httpd logged the host's request, from the gateway" "10.213.1.1\]:.*response:200" "$out"
[ "$(grep -c 'response:200' <<<"$out")" = 2 ] || { echo "demo check failed: httpd should have logged 2 requests" >&2; exit 1; }

# ---- volumes ----
bold "Volumes: a named volume outlives the container that wrote it"
run "$DOCKER" run --name writer -v demo-vol:/data busybox sh -c 'date -u +"written at %H:%M:%S by $(hostname)" >/data/note'
run "$DOCKER" rm writer
capture "$DOCKER" run --rm -v demo-vol:/data:ro busybox cat /data/note
check "the volume kept the note" "written at" "$out"
capture "$DOCKER" volume ls
check "volume ls" demo-vol "$out"

bold "docker cp: a file out of the running web container, and a new page into it"
cd "$WORK"
show cd "$WORK"
run "$DOCKER" cp web:/www/index.html .
capture cat index.html
check "cp out" "served by busybox httpd" "$out"
typed "echo '<p>copied in by docker cp</p>' >page.html"
run "$DOCKER" cp page.html web:/www/
capture curl -fsS "http://127.0.0.1:$WEB_PORT/page.html"
check "cp in, served" "copied in by docker cp" "$out"

# ---- build ----
bold "Build: a multi-stage Dockerfile FROM the imported busybox (docker build's classic builder)"
mkdir app
cat >app/greet.sh <<'EOF'
#!/bin/sh
echo "hello from demo/app: $(cat /etc/built-by)"
EOF
cat >app/Dockerfile <<'EOF'
FROM demo/busybox AS build
WORKDIR /src
COPY greet.sh .
RUN chmod +x greet.sh && echo "a RUN step on $(uname -m)" >built-by

FROM demo/busybox
COPY --from=build /src/greet.sh /usr/local/bin/greet
COPY --from=build /src/built-by /etc/built-by
CMD ["greet"]
EOF
run cd app
run cat Dockerfile greet.sh
capture env DOCKER_BUILDKIT=0 "$DOCKER" build -t demo/app .
check "build" "Successfully tagged demo/app:latest" "$out"
capture "$DOCKER" run --rm demo/app
check "the built image runs its CMD" "hello from demo/app: a RUN step on" "$out"

bold "The same build again: every step is a cache hit"
capture env DOCKER_BUILDKIT=0 "$DOCKER" build -t demo/app .
check "second build uses the cache" "Using cache" "$out"
[ "$(grep -c 'Using cache' <<<"$out")" -ge 6 ] || { echo "demo check failed: every step of the second build should be a cache hit" >&2; exit 1; }
capture "$DOCKER" history demo/app
check "history shows the CMD" 'CMD \["greet"\]' "$out"

# ---- registry ----
bold "A registry: Wharf's own OCI Distribution server, then docker push and pull through wharfd"
run cd ..
echo "(port 0: the kernel picks a free port; the server says which)"
typed 'wharf registry serve --addr 127.0.0.1:0 --root registry >registry.log 2>&1 &'
registry_pid=$!
until grep -qs 'listening on' "$WORK/registry.log"; do
  kill -0 "$registry_pid" 2>/dev/null || { cat "$WORK/registry.log" >&2; echo "demo check failed: wharf registry serve exited" >&2; exit 1; }
  sleep 0.05
done
run head -n 1 registry.log
REG=$(sed -n 's|.*listening on http://\([^ ]*\).*|\1|p' "$WORK/registry.log" | head -n 1)
run "$DOCKER" tag demo/app "$REG/demo/app"
capture "$DOCKER" push "$REG/demo/app"
check "push" "latest: digest: sha256:" "$out"
pushed=$(sed -n 's/.*digest: \(sha256:[0-9a-f]*\).*/\1/p' <<<"$out")
capture curl -fsS "http://$REG/v2/_catalog"
check "the registry holds the repository" '"demo/app"' "$out"
run "$DOCKER" rmi "$REG/demo/app" demo/app
capture "$DOCKER" pull "$REG/demo/app"
check "pull" "Digest: $pushed" "$out"
echo "pulled the digest that was pushed: $pushed"
capture "$DOCKER" images --digests "$REG/demo/app"
check "images --digests" "$pushed" "$out"
capture "$DOCKER" run --rm "$REG/demo/app"
check "the pulled image runs" "hello from demo/app" "$out"
cd "$REPO"

if [ "$KEEP" = 1 ]; then
  bold "wharfd keeps running (pid $daemon_pid), with web, demo-net and demo-vol"
  echo "  export DOCKER_HOST=$HOST   # then: docker ps, curl http://127.0.0.1:$WEB_PORT/"
  echo "  stop it, and take back all it made, with: scripts/demo.sh --stop"
else
  bold "Cleaning up: the container, the network and the volume"
  run "$DOCKER" rm -f web
  run "$DOCKER" network rm demo-net
  run "$DOCKER" volume rm demo-vol
  capture "$DOCKER" ps -aq
  [ -z "$out" ] || { echo "demo check failed: containers left: $out" >&2; exit 1; }
  bold "Stopping wharfd and the registry (run with --keep, or KEEP=1 make demo, to leave wharfd running)"
fi
