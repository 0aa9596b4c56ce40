#!/usr/bin/env bash
# Test hosts for Steward: real sshd servers, each in its own network namespace with its own root
# filesystem (an overlay over / with a private upper dir), reachable from this machine over a veth.
#
#   scripts/testhosts.sh up DIR [COUNT [FIRST]]
#                                         create COUNT hosts (default 3) numbered from FIRST (default 1):
#                                         steward-thFIRST..; writes DIR/hosts.json, DIR/known_hosts and the
#                                         deploy key DIR/deploy_key{,.pub}. Sets of hosts that run at the same
#                                         time (parallel tests) need ranges that do not overlap.
#   scripts/testhosts.sh down DIR         tear them down (idempotent, safe after a partial `up`)
#   scripts/testhosts.sh sshd DIR N stop|start
#                                         stop or start host N's sshd (the host stays up): an outage to detect
#
# Host N: namespace steward-thN, veth sthNh (here, 10.231.N.1/30) <-> eth0 (inside, 10.231.N.2/30),
# overlay DIR/steward-thN/{upper,work,merged}, sshd on 10.231.N.2:22 as root with the deploy key only.
# Needs root, iproute2 (`ip netns`), overlayfs and openssh-server. When a part is missing this script
# says which and fails: it never falls back to something weaker.
set -euo pipefail

PREFIX=steward-th
SSHD=/usr/sbin/sshd

die() { echo "testhosts: $*" >&2; exit 1; }

usage() { echo "usage: $0 up DIR [COUNT [FIRST]] | down DIR | sshd DIR N stop|start" >&2; exit 2; }

require() {
  local missing=()
  [ "$(id -u)" -eq 0 ] || missing+=("root (run as root: namespaces and mounts need it)")
  command -v ip >/dev/null || missing+=("ip (apt-get install iproute2)")
  [ -x "$SSHD" ] || missing+=("$SSHD (apt-get install openssh-server)")
  command -v ssh-keygen >/dev/null || missing+=("ssh-keygen (apt-get install openssh-client)")
  command -v unshare >/dev/null || missing+=("unshare (util-linux)")
  grep -qw overlay /proc/filesystems 2>/dev/null || modprobe overlay 2>/dev/null \
    || missing+=("overlayfs (kernel filesystem 'overlay' not available)")
  if [ ${#missing[@]} -eq 0 ]; then
    # Probe that network namespaces really work here (not just that `ip` exists).
    local probe="${PREFIX}-probe-$$"
    if ip netns add "$probe" 2>/dev/null; then
      ip netns exec "$probe" true 2>/dev/null || missing+=("working 'ip netns exec' (namespaces unusable here)")
      ip netns del "$probe" 2>/dev/null || true
    else
      missing+=("network namespaces ('ip netns add' failed)")
    fi
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "testhosts: cannot create test hosts; missing:" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    exit 1
  fi
}

# Mount points (from /proc/mounts) under a path, deepest first.
mounts_under() {
  local base="$1"
  awk -v b="$base" '{ p=$2; gsub(/\\040/, " ", p); if (p == b || index(p, b "/") == 1) print p }' /proc/mounts \
    | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-
}

# Tears down host N: sshd (pid file, then anything left in the namespace), mounts, namespace, veth.
# Every step tolerates the part being absent, so it is safe after a partial `up` and when run twice.
teardown_host() {
  local n="$1" merged="${2:-}" ns="${PREFIX}${n}" veth="sth${n}h"
  local pidfiles=() pid
  [ -n "$merged" ] && pidfiles+=("$merged/run/steward-testhost/sshd.pid")
  for f in "${pidfiles[@]}"; do
    if [ -f "$f" ]; then
      pid=$(cat "$f" 2>/dev/null || true)
      [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    fi
  done
  if ip netns list 2>/dev/null | grep -qw "^$ns"; then
    # Anything else still running in the namespace (sshd children, a stale sshd without its pid file).
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 50); do [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break; sleep 0.05; done
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  fi
  # Unmount the binds, then the overlay: every mount of any .../steward-thN/merged (this DIR or a stale one).
  local mp
  while read -r mp; do
    [ -n "$mp" ] || continue
    umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || true
  done < <(awk -v s="/${ns}/merged" '{ p=$2; gsub(/\\040/, " ", p); i=index(p, s); if (i > 0 && (substr(p, i+length(s)) == "" || substr(p, i+length(s), 1) == "/")) print p }' /proc/mounts \
             | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-)
  ip netns del "$ns" 2>/dev/null || true
  ip link del "$veth" 2>/dev/null || true
}

host_numbers_in() {
  local dir="$1" d
  for d in "$dir"/"${PREFIX}"*; do
    [ -d "$d" ] || continue
    d="${d##*/${PREFIX}}"
    [[ "$d" =~ ^[0-9]+$ ]] && echo "$d"
  done
}

down() {
  local dir="$1" n
  for n in $(host_numbers_in "$dir"); do
    teardown_host "$n" "$dir/${PREFIX}${n}/merged"
  done
  # Any mount left under DIR (should be none), deepest first.
  local mp
  while read -r mp; do
    [ -n "$mp" ] && { umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || true; }
  done < <(mounts_under "$dir")
  # Only now are the upper dirs no longer in use; remove them so DIR can be deleted as a normal user would.
  for n in $(host_numbers_in "$dir"); do
    [ -n "$(mounts_under "$dir/${PREFIX}${n}")" ] || rm -rf --one-file-system "${dir:?}/${PREFIX}${n}"
  done
  local leftover=""
  leftover+=$(mounts_under "$dir")
  [ -z "$leftover" ] || die "still mounted after teardown: $leftover"
}

wait_port() {
  local address="$1" deadline=$((SECONDS + 10))
  while ! timeout 1 bash -c "exec 3<>/dev/tcp/$address/22" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

up_host() {
  local dir="$1" n="$2" ns="${PREFIX}${n}" veth="sth${n}h"
  local root="$dir/${PREFIX}${n}" hostaddr="10.231.${n}.1" nsaddr="10.231.${n}.2"
  local merged="$root/merged"
  teardown_host "$n" "$merged"
  # Never recurse into a tree that is still mounted (the /dev bind would be the real /dev).
  [ -z "$(mounts_under "$root")" ] || die "$root is still mounted after teardown: $(mounts_under "$root" | tr '\n' ' ')"
  rm -rf --one-file-system "$root"
  mkdir -p "$root/upper" "$root/work" "$merged"

  # Network: namespace + veth pair, the namespace side renamed eth0.
  ip netns add "$ns"
  ip link add "$veth" type veth peer name "sth${n}n"
  ip link set "sth${n}n" netns "$ns"
  ip -n "$ns" link set "sth${n}n" name eth0
  ip addr add "$hostaddr/30" dev "$veth"
  ip link set "$veth" up
  ip -n "$ns" addr add "$nsaddr/30" dev eth0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up

  # Filesystem: overlay over / with a private upper dir, /proc /dev /dev/pts /sys bound in.
  mount -t overlay "overlay-${ns}" -o "lowerdir=/,upperdir=$root/upper,workdir=$root/work" "$merged" \
    || die "mounting an overlay over / failed for $ns (is overlayfs usable on $(df --output=target "$root" | tail -1)?)"
  local sub
  for sub in proc dev dev/pts sys; do
    mount --bind "/$sub" "$merged/$sub"
    mount --make-private "$merged/$sub"
  done

  # sshd inside the tree: throwaway host key, the deploy key authorized for root, its own config.
  mkdir -p "$merged/run/sshd" "$merged/run/steward-testhost" "$merged/etc/ssh" "$merged/var/log" "$merged/root"
  chmod 0755 "$merged/run/sshd"
  chmod 0700 "$merged/root"
  rm -f "$merged/etc/ssh/steward_host_ed25519_key" "$merged/etc/ssh/steward_host_ed25519_key.pub"
  ssh-keygen -q -t ed25519 -N '' -C "$ns" -f "$merged/etc/ssh/steward_host_ed25519_key"
  install -m 0600 "$dir/deploy_key.pub" "$merged/etc/ssh/steward_authorized_keys"
  echo "$ns" > "$merged/etc/hostname"
  # Drop-ins first (sshd keeps the first value it reads), so provisioning's hardening applies; keys in the
  # shared file (root: the deploy key) or in the user's own authorized_keys (users bootstrap creates).
  cat > "$merged/etc/ssh/steward_sshd_config" <<EOF
Include /etc/ssh/sshd_config.d/*.conf
Port 22
ListenAddress $nsaddr
HostKey /etc/ssh/steward_host_ed25519_key
PidFile /run/steward-testhost/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile /etc/ssh/steward_authorized_keys .ssh/authorized_keys
UsePAM no
UseDNS no
X11Forwarding no
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
  start_sshd "$n" "$merged"
}

# Starts host N's sshd in its namespace and tree; its own UTS namespace too, so `hostname` answers steward-thN.
start_sshd() {
  local n="$1" merged="$2" ns="${PREFIX}${1}"
  ip netns exec "$ns" unshare --uts sh -c "hostname '$ns' && exec chroot '$merged' $SSHD -f /etc/ssh/steward_sshd_config -E /var/log/steward-sshd.log" \
    || die "sshd failed to start in $ns; log: $(cat "$merged/var/log/steward-sshd.log" 2>/dev/null)"
}

# `sshd DIR N stop|start`: the listening sshd only (sessions already open keep running, as on a real server).
sshd_command() {
  local dir="$1" n="$2" action="$3" merged="$1/${PREFIX}$2/merged" pid
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "N must be a host number, got '$n'"
  [ -d "$merged/etc/ssh" ] || die "no host $n under $dir"
  local pidfile="$merged/run/steward-testhost/sshd.pid"
  case "$action" in
    stop)
      pid=$(cat "$pidfile" 2>/dev/null || true)
      [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
      for _ in $(seq 100); do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      rm -f "$pidfile"
      ;;
    start)
      pid=$(cat "$pidfile" 2>/dev/null || true)
      if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "testhosts: sshd of host $n already runs"; return 0; fi
      start_sshd "$n" "$merged"
      wait_port "10.231.${n}.2" || die "${PREFIX}${n}: sshd does not accept TCP after 10 s"
      ;;
    *) usage ;;
  esac
}

up() {
  local dir="$1" count="$2" first="$3" n
  [[ "$count" =~ ^[1-9][0-9]*$ ]] && [ "$count" -le 250 ] || die "COUNT must be 1..250, got '$count'"
  [[ "$first" =~ ^[1-9][0-9]*$ ]] && [ $((first + count - 1)) -le 250 ] \
    || die "FIRST must be 1.. and FIRST+COUNT-1 at most 250, got FIRST '$first' COUNT '$count'"
  local last=$((first + count - 1))
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  [ -f "$dir/deploy_key" ] || ssh-keygen -q -t ed25519 -N '' -C steward-testhosts-deploy -f "$dir/deploy_key"
  # Leftovers of the same names (a crashed run, here or in another DIR) go first.
  for n in $(host_numbers_in "$dir"); do teardown_host "$n" "$dir/${PREFIX}${n}/merged"; done
  for n in $(seq "$first" "$last"); do up_host "$dir" "$n"; done

  local json="[" known="" sep="" key
  for n in $(seq "$first" "$last"); do
    local address="10.231.${n}.2"
    wait_port "$address" || die "${PREFIX}${n}: nothing accepts TCP on $address:22 after 10 s; sshd log: $(cat "$dir/${PREFIX}${n}/merged/var/log/steward-sshd.log" 2>/dev/null)"
    key=$(cut -d' ' -f1,2 "$dir/${PREFIX}${n}/merged/etc/ssh/steward_host_ed25519_key.pub")
    known+="$address $key"$'\n'
    json+="$sep"$'\n'"  {\"name\": \"${PREFIX}${n}\", \"address\": \"$address\", \"port\": 22, \"user\": \"root\", \"hostKey\": \"$key\", \"privateKeyFile\": \"$dir/deploy_key\"}"
    sep=","
  done
  printf '%s' "$known" > "$dir/known_hosts"
  printf '%s\n]\n' "$json" > "$dir/hosts.json"
  echo "testhosts: $count hosts up; $dir/hosts.json"
}

[ $# -ge 2 ] || usage
command="$1"
dir="$2"
case "$command" in
  up)
    [ $# -le 4 ] || usage
    require
    up "$dir" "${3:-3}" "${4:-1}"
    ;;
  down)
    [ $# -eq 2 ] || usage
    require
    [ -d "$dir" ] || exit 0
    down "$(cd "$dir" && pwd -P)"
    ;;
  sshd)
    [ $# -eq 4 ] || usage
    require
    sshd_command "$(cd "$dir" && pwd -P)" "$3" "$4"
    ;;
  *) usage ;;
esac
