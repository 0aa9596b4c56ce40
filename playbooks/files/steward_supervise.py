#!/usr/bin/env python3
"""Steward's app supervisor: keeps one app process running where no init system (systemd) does.

    steward_supervise.py start  --pid-file P --log-file L --workdir D [--env-file E] [--port N] [--host A]
                                (--procfile FILE | -- COMMAND)
    steward_supervise.py stop   --pid-file P [--pid-file P2 ...] [--timeout S]
    steward_supervise.py status --pid-file P
    steward_supervise.py record --file F --json OBJECT
    steward_supervise.py inspect --pid-file P [--marker FILE] [--procfile FILE] [--health-url URL]
                                 [--slots-dir D --slot-url blue=URL --slot-url green=URL] [--site-file FILE]

`start` detaches a supervisor (double fork + setsid, so it outlives ansible-playbook and its process
group), writes the pid file, and returns once the supervisor runs. The supervisor runs COMMAND with
/bin/sh -c in the work dir, with PORT and the variables of the .env file in its environment, appends
its output to the log file, and restarts it with exponential backoff (1 s up to 30 s) when it exits.
`stop` sends SIGTERM to the supervisor's process group (supervisor and app), waits, then SIGKILLs it.
`status` exits 0 when the supervisor runs, 3 when it does not. `inspect` prints, as one JSON object, what
a deploy decides on: whether the supervisor runs, whether the health URL answers 200 now, the deploy
marker, and the command of the Procfile's `web:` line (it fails, naming the file, when --procfile is
given and has no such line); for blue/green also each slot (D/NAME/supervisor.pid, D/NAME/deployed.json,
healthy at its URL) and the listen/upstream ports of the project's nginx site file. One `inspect` is one
round trip for the playbook, however many things it looks at. `record` writes a deploy marker (the
JSON object given plus `time`, now in UTC) atomically, in one round trip where a copy takes three.

Python 3 standard library only.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

NOT_RUNNING = 3
MAX_BACKOFF = 30.0
# A run this long counts as healthy: the next restart starts again from the shortest backoff.
STABLE_AFTER = 30.0
MAX_LOG_BYTES = 10 * 1024 * 1024
# The two lines of a site file (steward_proxy.py writes them) that say where nginx sends a project.
SITE_LISTEN = re.compile(r'^\s*listen (\d+);', re.MULTILINE)
SITE_UPSTREAM = re.compile(r'proxy_pass http://127\.0\.0\.1:(\d+);')
# Variables passed through from the supervisor's own environment; everything else comes from .env.
# Controller credentials in the environment of ansible-playbook must not reach the app.
PASSED_THROUGH = ('PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR')


def log_line(stream, text):
    stream.write('[steward-supervise %s] %s\n' % (time.strftime('%Y-%m-%dT%H:%M:%S%z'), text))
    stream.flush()


def parse_env_file(path):
    """The .env file Steward writes (EnvFile.render): one KEY="JSON string" line per variable, so a value with
    a newline, quotes, '=', '#', '$' or surrounding spaces is exactly one value. Lines in the older plain form
    (KEY=VALUE, optional matching quotes) are still read; blank lines and # comments are skipped."""
    values = {}
    if not path or not os.path.exists(path):
        return values
    with open(path, encoding='utf-8') as handle:
        for raw in handle:
            line = raw.strip()
            if not line or line.startswith('#'):
                continue
            if line.startswith('export '):
                line = line[len('export '):].lstrip()
            key, sep, value = line.partition('=')
            key = key.strip()
            if not sep or not key:
                continue
            value = value.strip()
            if value.startswith('"'):
                try:
                    decoded = json.loads(value)
                except ValueError:
                    decoded = None
                if isinstance(decoded, str):
                    values[key] = decoded
                    continue
            if len(value) >= 2 and value[0] == value[-1] and value[0] in ('"', "'"):
                value = value[1:-1]
            values[key] = value
    return values


def procfile_command(path):
    """The command of the `web:` line of a Procfile, or None."""
    try:
        with open(path, encoding='utf-8') as handle:
            for line in handle:
                name, sep, command = line.partition(':')
                if sep and name.strip() == 'web' and command.strip():
                    return command.strip()
    except OSError:
        return None
    return None


def read_pid_file(path):
    try:
        with open(path, encoding='utf-8') as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def process_stat(pid):
    """The fields of /proc/<pid>/stat after the command name (state first), or None without such a process."""
    try:
        with open('/proc/%d/stat' % pid, encoding='utf-8', errors='replace') as handle:
            stat = handle.read()
    except OSError:
        return None
    return stat[stat.rindex(')') + 2:].split()


def start_time(pid):
    """When the process started (clock ticks since boot): with the pid, it names one process for good."""
    fields = process_stat(pid)
    return int(fields[19]) if fields else None


def live_group_members(pgid):
    """Pids in process group `pgid` that are not zombies (no init may reap an orphaned zombie here)."""
    members = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            fields = process_stat(int(entry))
            if fields and int(fields[2]) == pgid and fields[0] != 'Z':
                members.append(int(entry))
    return members


def running_supervisor(pid_file):
    """The supervisor's pid when the pid file names a live supervisor for this pid file, else None."""
    info = read_pid_file(pid_file)
    if not info or not isinstance(info.get('pid'), int):
        return None
    pid = info['pid']
    fields = process_stat(pid)
    # A recycled pid belongs to some other program: never signal it.
    if not fields or fields[0] == 'Z' or int(fields[19]) != info.get('start_time'):
        return None
    return pid


def rotate_log(path):
    try:
        if os.path.getsize(path) > MAX_LOG_BYTES:
            os.replace(path, path + '.1')
    except OSError:
        pass


def supervise(args, ready_fd):
    """Runs in the detached grandchild: restart loop until SIGTERM."""
    log = open(args.log_file, 'a', buffering=1, encoding='utf-8', errors='replace')
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    os.close(devnull)

    state = {'stopping': False, 'child': None}

    def on_term(signum, frame):
        state['stopping'] = True
        child = state['child']
        if child is not None and child.poll() is None:
            try:
                child.send_signal(signal.SIGTERM)
            except OSError:
                pass

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    env = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
    env.update(parse_env_file(args.env_file))
    if args.port:
        env['PORT'] = str(args.port)
    if args.host:
        env['HOST'] = args.host

    pid_file = os.path.abspath(args.pid_file)
    temporary = pid_file + '.tmp'
    with open(temporary, 'w', encoding='utf-8') as handle:
        json.dump({'pid': os.getpid(), 'pgid': os.getpgrp(), 'start_time': start_time(os.getpid()),
                   'workdir': args.workdir, 'command': args.command, 'started': time.time()}, handle)
    os.replace(temporary, pid_file)
    os.write(ready_fd, b'ok')
    os.close(ready_fd)

    backoff = 1.0
    while not state['stopping']:
        started = time.monotonic()
        log_line(log, 'starting in %s: %s' % (args.workdir, args.command))
        try:
            state['child'] = subprocess.Popen(['/bin/sh', '-c', args.command], cwd=args.workdir, env=env,
                                              stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        except OSError as error:
            log_line(log, 'cannot start: %s' % error)
            state['child'] = None
        else:
            if state['stopping']:
                # SIGTERM arrived while the child was being started, before it could be forwarded.
                state['child'].terminate()
            code = state['child'].wait()
            if state['stopping']:
                log_line(log, 'stopped (exit %s)' % code)
                break
            log_line(log, 'exited with %s' % code)
        if time.monotonic() - started >= STABLE_AFTER:
            backoff = 1.0
        log_line(log, 'restarting in %.0f s' % backoff)
        deadline = time.monotonic() + backoff
        while not state['stopping'] and time.monotonic() < deadline:
            time.sleep(0.1)
        backoff = min(backoff * 2, MAX_BACKOFF)
    try:
        if read_pid_file(pid_file) and read_pid_file(pid_file).get('pid') == os.getpid():
            os.unlink(pid_file)
    except OSError:
        pass
    log_line(log, 'supervisor exits')


def start(args):
    if running_supervisor(args.pid_file):
        print('already running (pid file %s); stop it first' % args.pid_file, file=sys.stderr)
        return 1
    if not os.path.isdir(args.workdir):
        print('work dir %s does not exist' % args.workdir, file=sys.stderr)
        return 1
    args.pid_file = os.path.abspath(args.pid_file)
    args.log_file = os.path.abspath(args.log_file)
    args.env_file = os.path.abspath(args.env_file) if args.env_file else None
    args.workdir = os.path.abspath(args.workdir)
    rotate_log(args.log_file)

    read_fd, write_fd = os.pipe()
    if os.fork() > 0:
        # Original process: report once the grandchild has written the pid file.
        os.close(write_fd)
        answer = b''
        while True:
            chunk = os.read(read_fd, 16)
            if not chunk:
                break
            answer += chunk
        if answer != b'ok':
            print('supervisor did not start; see %s' % args.log_file, file=sys.stderr)
            return 1
        print(json.dumps({'started': True, 'pid': running_supervisor(args.pid_file)}))
        return 0
    # First child: new session, no controlling terminal, then fork again so it is no session leader
    # that could reacquire one; the grandchild is reparented away from ansible-playbook.
    os.close(read_fd)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    os.chdir('/')
    os.umask(0o022)
    # Signal state is inherited: a caller that blocks or ignores SIGTERM must not make the app unstoppable.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGCHLD):
        signal.signal(number, signal.SIG_DFL)
    # Nothing inherited may keep the caller's pipes open (Ansible waits for them to close).
    os.closerange(3, write_fd)
    os.closerange(write_fd + 1, os.sysconf('SC_OPEN_MAX'))
    try:
        supervise(args, write_fd)
    finally:
        os._exit(0)


def stop(args):
    """Stops the supervisor of each pid file; one JSON object (for several pid files: `stopped` if any was)."""
    results = [stop_one(pid_file, args.timeout) for pid_file in args.pid_file]
    if len(results) == 1:
        print(json.dumps(results[0]))
    else:
        print(json.dumps({'stopped': any(result['stopped'] for result in results), 'instances': results}))
    return 0


def stop_one(pid_file, timeout):
    pid = running_supervisor(pid_file)
    if pid is None:
        return {'stopped': False, 'reason': 'not running', 'pid_file': pid_file}
    pgid = os.getpgid(pid)
    os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while live_group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    killed = False
    if live_group_members(pgid):
        os.killpg(pgid, signal.SIGKILL)
        killed = True
        while live_group_members(pgid):
            time.sleep(0.05)
    try:
        os.unlink(os.path.abspath(pid_file))
    except OSError:
        pass
    return {'stopped': True, 'pid': pid, 'killed': killed, 'pid_file': pid_file}


def answers_200(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def read_marker(path):
    """A deploy marker (a JSON object), or {} when there is none."""
    if not path:
        return {}
    try:
        with open(path, encoding='utf-8') as handle:
            loaded = json.load(handle)
        return loaded if isinstance(loaded, dict) else {}
    except (OSError, ValueError):
        return {}


def read_site(path):
    """`listen` and `upstream` ports of an nginx site file written by steward_proxy.py, or None without one."""
    try:
        with open(path, encoding='utf-8') as handle:
            text = handle.read()
    except OSError:
        return None
    listen = SITE_LISTEN.search(text)
    upstream = SITE_UPSTREAM.search(text)
    return {'listen': int(listen.group(1)) if listen else None, 'upstream': int(upstream.group(1)) if upstream else None}


def inspect_slots(slots_dir, slot_urls):
    """Each blue/green slot under `slots_dir`: running, healthy on its own URL, and its own marker."""
    slots = {}
    for entry in slot_urls:
        name, _, url = entry.partition('=')
        pid = running_supervisor(os.path.join(slots_dir, name, 'supervisor.pid'))
        slots[name] = {'running': pid is not None, 'pid': pid,
                       'healthy': pid is not None and bool(url) and answers_200(url),
                       'marker': read_marker(os.path.join(slots_dir, name, 'deployed.json'))}
    return slots


def inspect(args):
    marker = read_marker(args.marker)
    command = None
    if args.procfile:
        command = procfile_command(args.procfile)
        if command is None:
            print("no command to run: %s has no 'web:' line" % args.procfile, file=sys.stderr)
            return 1
    pid = running_supervisor(args.pid_file)
    healthy = pid is not None and bool(args.health_url) and answers_200(args.health_url)
    answer = {'running': pid is not None, 'pid': pid, 'healthy': healthy, 'marker': marker, 'procfile_command': command}
    if args.slots_dir:
        answer['slots_present'] = os.path.isdir(args.slots_dir)
        answer['slots'] = inspect_slots(args.slots_dir, args.slot_url or [])
    if args.site_file:
        answer['site'] = read_site(args.site_file)
    print(json.dumps(answer))
    return 0


def record(args):
    """Writes a deploy marker atomically: the JSON object given, plus `time` (now, UTC, ISO 8601)."""
    try:
        marker = json.loads(args.json)
    except ValueError as error:
        print('--json is not JSON: %s' % error, file=sys.stderr)
        return 1
    if not isinstance(marker, dict):
        print('--json must be a JSON object', file=sys.stderr)
        return 1
    marker['time'] = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
    path = os.path.abspath(args.file)
    temporary = path + '.tmp'
    with open(temporary, 'w', encoding='utf-8') as handle:
        json.dump(marker, handle, indent=4, sort_keys=True)
        handle.write('\n')
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)
    print(json.dumps({'written': path}))
    return 0


def status(args):
    pid = running_supervisor(args.pid_file)
    print(json.dumps({'running': pid is not None, 'pid': pid}))
    return 0 if pid is not None else NOT_RUNNING


def main(argv):
    parser = argparse.ArgumentParser(prog='steward_supervise.py')
    commands = parser.add_subparsers(dest='action', required=True)
    start_parser = commands.add_parser('start')
    start_parser.add_argument('--pid-file', required=True)
    start_parser.add_argument('--log-file', required=True)
    start_parser.add_argument('--workdir', required=True)
    start_parser.add_argument('--env-file')
    start_parser.add_argument('--port', type=int)
    start_parser.add_argument('--host', help='the address the app should listen on, passed as $HOST')
    start_parser.add_argument('command', nargs=argparse.REMAINDER)
    stop_parser = commands.add_parser('stop')
    stop_parser.add_argument('--pid-file', required=True, action='append')
    stop_parser.add_argument('--timeout', type=float, default=10.0)
    start_parser.add_argument('--procfile')
    status_parser = commands.add_parser('status')
    status_parser.add_argument('--pid-file', required=True)
    inspect_parser = commands.add_parser('inspect')
    inspect_parser.add_argument('--pid-file', required=True)
    inspect_parser.add_argument('--marker')
    inspect_parser.add_argument('--procfile')
    inspect_parser.add_argument('--health-url')
    inspect_parser.add_argument('--slots-dir')
    inspect_parser.add_argument('--slot-url', action='append', metavar='NAME=URL')
    inspect_parser.add_argument('--site-file')
    record_parser = commands.add_parser('record')
    record_parser.add_argument('--file', required=True)
    record_parser.add_argument('--json', required=True)
    args = parser.parse_args(argv)
    if args.action == 'record':
        return record(args)
    if args.action == 'inspect':
        return inspect(args)
    if args.action == 'start':
        command = args.command[1:] if args.command[:1] == ['--'] else args.command
        if args.procfile and not command:
            args.command = procfile_command(args.procfile)
            if args.command is None:
                print("no command to run: %s has no 'web:' line" % args.procfile, file=sys.stderr)
                return 1
        elif len(command) == 1 and command[0].strip() and not args.procfile:
            args.command = command[0]
        else:
            parser.error('start needs either --procfile FILE or exactly one COMMAND after --')
        return start(args)
    if args.action == 'stop':
        return stop(args)
    return status(args)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
