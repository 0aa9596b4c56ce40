# Shell functions for scripts that run Steward on a temporary state dir (the crash harness, the memory benchmark).
# Source it: `. scripts/state-dir.sh`.

# Kills every process that works in the state dir STATE or names it: the deployed apps and their supervisors run
# detached from Steward, so they outlive it by design.
kill_state_processes() {
  local state=$1 proc target
  for proc in /proc/[0-9]*; do
    target=$(readlink "$proc/cwd" 2>/dev/null || true)
    if [[ "$target" == "$state" || "$target" == "$state"/* ]] || { tr '\0' ' ' <"$proc/cmdline"; } 2>/dev/null | grep -qF "$state/"; then
      kill -9 "${proc#/proc/}" 2>/dev/null || true
    fi
  done
}

# Puts the quickstart app (examples/quickstart/app, run from the checkout's root) on the local forge of STATE as
# quickstart/hello.
seed_quickstart_forge() {
  local state=$1 work
  work=$(mktemp -d)
  cp -R examples/quickstart/app/. "$work/"
  git -C "$work" init -q -b main && git -C "$work" add -A && git -C "$work" commit -q -m app
  mkdir -p "$state/forge/quickstart"
  git clone -q --bare "$work" "$state/forge/quickstart/hello.git"
  rm -rf "$work"
}

# Prints the first port of COUNT consecutive ports free on 127.0.0.1, from 24000-32767: below the kernel's ephemeral
# range (32768 and up), so a port a test or a client gets from the kernel meanwhile cannot land in it.
free_port_range() {
  python3 - "$1" <<'PY'
import random, socket, sys
count = int(sys.argv[1])
for _ in range(200):
    start = random.randint(24000, 32768 - count)
    sockets = []
    try:
        for port in range(start, start + count):
            s = socket.socket()
            s.bind(("127.0.0.1", port))
            sockets.append(s)
        print(start)
        sys.exit(0)
    except OSError:
        pass
    finally:
        for s in sockets:
            s.close()
sys.exit("no free range of %d ports" % count)
PY
}

# What a harness needs before it starts: the steward binary STEWARD and ansible-playbook (exit 2 naming what is
# missing); the playbooks built into the binary (written to the state dir by its first run, maybe killed while it
# writes them), not a STEWARD_PLAYBOOKS of the caller's; a git identity for the commits it makes.
prepare_harness() {
  [ -x "$1" ] || { echo "no steward binary at $1 (build it: swift build)" >&2; exit 2; }
  command -v ansible-playbook >/dev/null || { echo "ansible-playbook is missing (apt-get install ansible-core)" >&2; exit 2; }
  unset STEWARD_PLAYBOOKS
  export GIT_AUTHOR_NAME=harness GIT_AUTHOR_EMAIL=harness@steward.invalid GIT_COMMITTER_NAME=harness \
    GIT_COMMITTER_EMAIL=harness@steward.invalid
}
