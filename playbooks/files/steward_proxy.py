#!/usr/bin/env python3
"""Steward's reverse proxy: one nginx instance of the deploy user, no root and no init system needed.

    steward_proxy.py locate [--nginx PATH]
    steward_proxy.py site   --prefix P --name PROJECT --listen PORT --upstream PORT [--nginx PATH] [--timeout S]
    steward_proxy.py render --name PROJECT --listen PORT --upstream PORT      (prints the site file `site` writes)
    steward_proxy.py remove --prefix P --name PROJECT [--nginx PATH] [--timeout S]
    steward_proxy.py status --prefix P [--name PROJECT]
    steward_proxy.py stop   --prefix P [--timeout S]

The instance lives in PREFIX: `nginx.conf` (written here: pid file, error log and temp paths inside
PREFIX, `include sites/*.conf`), `sites/PROJECT.conf` (one server per project: `listen PORT` proxying
to `127.0.0.1:UPSTREAM`), `logs/error.log`, `temp/`, `nginx.pid`. It runs as
`nginx -p PREFIX -c PREFIX/nginx.conf -e PREFIX/logs/error.log`, so it needs nothing outside PREFIX.

`locate` prints the nginx binary (PATH plus the sbin directories a deploy user's PATH may lack), or an
empty line. `site` writes the project's site file, checks the whole configuration with `nginx -t`
(restoring the previous file when it fails), then starts nginx when it is not running or reloads it
gracefully: it sends SIGHUP and returns only when new workers run and every old worker has exited, so
from then on every request reaches the new upstream and none is in flight to the old one. A reload
nginx refuses (a port in use) restores the previous site file. `remove` deletes the site file and
reloads; the last site removed stops the instance. Every command that changes something holds
PREFIX/.lock, so deploys of several projects to one server take turns. Output: one JSON object.

Python 3 standard library only.
"""

import argparse
import fcntl
import json
import os
import pwd
import grp
import re
import shutil
import signal
import subprocess
import sys
import time

SBIN_DIRECTORIES = ('/usr/sbin', '/usr/local/sbin', '/sbin')
PROJECT_NAME = re.compile(r'^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$')
UPSTREAM = re.compile(r'proxy_pass http://127\.0\.0\.1:(\d+);')
LISTEN = re.compile(r'^\s*listen (\d+);', re.MULTILINE)
# Old workers finish their requests within this; the reload waits a little longer than that.
WORKER_SHUTDOWN_SECONDS = 30


class ProxyError(Exception):
    pass


def locate(explicit=None):
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    path = os.pathsep.join([os.environ.get('PATH', '')] + list(SBIN_DIRECTORIES))
    return shutil.which('nginx', path=path)


class Instance:
    """The nginx instance under one prefix."""

    def __init__(self, prefix, nginx=None):
        self.prefix = os.path.abspath(os.path.expanduser(prefix))
        self.nginx = nginx
        self.conf = os.path.join(self.prefix, 'nginx.conf')
        self.sites = os.path.join(self.prefix, 'sites')
        self.error_log = os.path.join(self.prefix, 'logs', 'error.log')
        self.pid_file = os.path.join(self.prefix, 'nginx.pid')

    def binary(self):
        found = locate(self.nginx)
        if not found:
            raise ProxyError('nginx is not installed (looked in PATH and %s)' % ', '.join(SBIN_DIRECTORIES))
        return found

    def site_file(self, name):
        if not PROJECT_NAME.match(name):
            raise ProxyError('project name %r is not a DNS label' % name)
        return os.path.join(self.sites, name + '.conf')

    # Configuration

    def main_config(self):
        lines = [
            '# Written by Steward (steward_proxy.py): the deploy user\'s own nginx. One file per project in sites/.',
            'worker_processes 1;',
            'pid %s;' % self.pid_file,
            'error_log %s warn;' % self.error_log,
            'worker_shutdown_timeout %ds;' % WORKER_SHUTDOWN_SECONDS,
        ]
        if os.geteuid() == 0:
            # A master started by root would run its workers as nobody, who may not reach PREFIX
            # (a home directory): workers run as the deploy user, as they do for any other user.
            user = pwd.getpwuid(os.geteuid())
            lines.append('user %s %s;' % (user.pw_name, grp.getgrgid(user.pw_gid).gr_name))
        temp = os.path.join(self.prefix, 'temp')
        lines += [
            'events {',
            '    worker_connections 1024;',
            '}',
            'http {',
            '    access_log off;',
            '    client_body_temp_path %s/client_body;' % temp,
            '    proxy_temp_path %s/proxy;' % temp,
            '    fastcgi_temp_path %s/fastcgi;' % temp,
            '    uwsgi_temp_path %s/uwsgi;' % temp,
            '    scgi_temp_path %s/scgi;' % temp,
            '    include %s/*.conf;' % self.sites,
            '}',
        ]
        return '\n'.join(lines) + '\n'

    @staticmethod
    def site_config(name, listen, upstream):
        return '\n'.join([
            '# Written by Steward (steward_proxy.py): project %s, public port %d, live upstream 127.0.0.1:%d.'
            % (name, listen, upstream),
            'server {',
            '    listen %d;' % listen,
            '    location / {',
            '        proxy_pass http://127.0.0.1:%d;' % upstream,
            '        proxy_http_version 1.1;',
            '        proxy_set_header Connection "";',
            '        proxy_set_header Host $host;',
            '        proxy_set_header X-Real-IP $remote_addr;',
            '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
            '        proxy_set_header X-Forwarded-Proto $scheme;',
            '    }',
            '}',
        ]) + '\n'

    def prepare(self):
        """Creates the prefix's directories and writes nginx.conf. - Returns: whether nginx.conf changed."""
        for path in (self.prefix, self.sites, os.path.dirname(self.error_log), os.path.join(self.prefix, 'temp')):
            os.makedirs(path, mode=0o750, exist_ok=True)
        return write_if_changed(self.conf, self.main_config())

    # Process

    def master(self):
        """The master's pid when nginx runs for this prefix, else None."""
        try:
            with open(self.pid_file, encoding='utf-8') as handle:
                pid = int(handle.read().strip())
        except (OSError, ValueError):
            return None
        command = cmdline(pid)
        # A recycled pid belongs to some other program: only a master started for this config counts.
        if command.startswith('nginx: master process') and self.conf in command:
            return pid
        return None

    def command(self, *extra):
        return [self.binary(), '-p', self.prefix + '/', '-c', self.conf, '-e', self.error_log] + list(extra)

    def test(self):
        result = subprocess.run(self.command('-t', '-q'), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            raise ProxyError('nginx -t rejects the configuration: %s' % result.stdout.strip())

    def start(self, timeout):
        offset = log_size(self.error_log)
        result = subprocess.run(self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            master = self.master()
            if master and workers(master):
                return master
            if result.returncode != 0:
                break
            time.sleep(0.05)
        raise ProxyError('nginx did not start: %s %s' % (result.stdout.strip(), log_since(self.error_log, offset)))

    def reload(self, timeout):
        """Graceful reload; returns once only workers of the new configuration run."""
        master = self.master()
        old = set(workers(master))
        offset = log_size(self.error_log)
        os.kill(master, signal.SIGHUP)
        deadline = time.monotonic() + min(timeout, 10)
        while True:
            current = set(workers(master))
            if current - old:
                break
            if time.monotonic() >= deadline or reload_refused(log_raw(self.error_log, offset)):
                raise ProxyError('nginx did not take the new configuration: %s' % log_since(self.error_log, offset))
            time.sleep(0.02)
        deadline = time.monotonic() + max(timeout, WORKER_SHUTDOWN_SECONDS + 5)
        while set(workers(master)) & old and time.monotonic() < deadline:
            time.sleep(0.02)

    def quit(self, timeout):
        master = self.master()
        if master is None:
            return False
        os.kill(master, signal.SIGQUIT)
        deadline = time.monotonic() + timeout
        while alive(master) and time.monotonic() < deadline:
            time.sleep(0.05)
        if alive(master):
            os.kill(master, signal.SIGTERM)
            while alive(master):
                time.sleep(0.05)
        return True

    def apply(self, timeout):
        """Starts nginx when it does not run, reloads it when it does. - Returns: what was done."""
        if self.master() is None:
            self.start(timeout)
            return 'started'
        self.reload(timeout)
        return 'reloaded'


# Helpers

def cmdline(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            return handle.read().replace(b'\0', b' ').decode('utf-8', 'replace').strip()
    except OSError:
        return ''


def stat_fields(pid):
    try:
        with open('/proc/%d/stat' % pid, encoding='utf-8', errors='replace') as handle:
            stat = handle.read()
    except OSError:
        return None
    return stat[stat.rindex(')') + 2:].split()


def alive(pid):
    fields = stat_fields(pid)
    return fields is not None and fields[0] != 'Z'


def workers(master):
    """Live children of the master (its workers, old ones still shutting down included)."""
    found = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            fields = stat_fields(int(entry))
            if fields and fields[0] != 'Z' and int(fields[1]) == master:
                found.append(int(entry))
    return found


def read_text(path):
    try:
        with open(path, encoding='utf-8') as handle:
            return handle.read()
    except OSError:
        return None


def write_if_changed(path, text):
    if read_text(path) == text:
        return False
    temporary = path + '.tmp'
    with open(temporary, 'w', encoding='utf-8') as handle:
        handle.write(text)
    os.chmod(temporary, 0o640)
    os.replace(temporary, path)
    return True


def restore(path, text):
    if text is None:
        try:
            os.unlink(path)
        except OSError:
            pass
    else:
        write_if_changed(path, text)


def log_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def log_raw(path, offset):
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            handle.seek(offset)
            return handle.read()
    except OSError:
        return ''


def log_since(path, offset):
    """The distinct lines the error log got since `offset` (the last few), for a message."""
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            handle.seek(offset)
            lines = handle.read()[-8000:].splitlines()
    except OSError:
        return '(no error log at %s)' % path
    distinct = []
    for line in lines:
        text = re.sub(r'^\d+#\d+: (\*\d+ )?', '', line.split('] ', 1)[-1].strip())
        if text and text not in distinct:
            distinct.append(text)
    return ('%s says: %s' % (path, '; '.join(distinct[-3:]))) if distinct else '(nothing in %s)' % path


def reload_refused(log_text):
    """nginx keeps its old configuration after these (bind retries end with 'still could not bind()')."""
    return 'still could not bind' in log_text or ('[emerg]' in log_text and 'bind()' not in log_text)


class Lock:
    def __init__(self, prefix):
        os.makedirs(prefix, mode=0o750, exist_ok=True)
        self.handle = open(os.path.join(prefix, '.lock'), 'a')

    def __enter__(self):
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


# Commands

def command_site(args):
    instance = Instance(args.prefix, args.nginx)
    instance.binary()
    with Lock(instance.prefix):
        main_changed = instance.prepare()
        path = instance.site_file(args.name)
        previous = read_text(path)
        site_changed = write_if_changed(path, instance.site_config(args.name, args.listen, args.upstream))
        running = instance.master() is not None
        if not (main_changed or site_changed or not running):
            return {'changed': False, 'action': 'none', 'upstream': args.upstream}
        try:
            instance.test()
            action = instance.apply(args.timeout)
        except ProxyError:
            # nginx refused the change (a bad file, a port in use) and keeps serving what it served:
            # the site file says so again.
            restore(path, previous)
            raise
        return {'changed': True, 'action': action, 'upstream': args.upstream}


def command_remove(args):
    instance = Instance(args.prefix, args.nginx)
    with Lock(instance.prefix):
        path = instance.site_file(args.name)
        if read_text(path) is None:
            return {'changed': False, 'action': 'none'}
        os.unlink(path)
        if instance.master() is None:
            return {'changed': True, 'action': 'removed'}
        remaining = [name for name in os.listdir(instance.sites) if name.endswith('.conf')]
        if not remaining:
            instance.quit(args.timeout)
            return {'changed': True, 'action': 'stopped'}
        instance.reload(args.timeout)
        return {'changed': True, 'action': 'reloaded'}


def command_render(args):
    # What `site` would write, for a check (Ansible's check mode compares it with the file on the host).
    sys.stdout.write(Instance.site_config(args.name, args.listen, args.upstream))
    return None


def command_status(args):
    instance = Instance(args.prefix)
    answer = {'running': instance.master() is not None, 'pid': instance.master()}
    if args.name:
        text = read_text(instance.site_file(args.name)) or ''
        upstream = UPSTREAM.search(text)
        listen = LISTEN.search(text)
        answer['upstream'] = int(upstream.group(1)) if upstream else None
        answer['listen'] = int(listen.group(1)) if listen else None
    return answer


def command_stop(args):
    instance = Instance(args.prefix)
    with Lock(instance.prefix):
        return {'changed': instance.quit(args.timeout)}


def main(argv):
    parser = argparse.ArgumentParser(prog='steward_proxy.py')
    commands = parser.add_subparsers(dest='action', required=True)
    locate_parser = commands.add_parser('locate')
    locate_parser.add_argument('--nginx')
    site = commands.add_parser('site')
    render = commands.add_parser('render')
    remove = commands.add_parser('remove')
    status = commands.add_parser('status')
    stop = commands.add_parser('stop')
    for sub in (site, remove, status, stop):
        sub.add_argument('--prefix', required=True)
    for sub in (site, remove):
        sub.add_argument('--name', required=True)
        sub.add_argument('--nginx')
    for sub in (site, remove, stop):
        sub.add_argument('--timeout', type=float, default=WORKER_SHUTDOWN_SECONDS + 5)
    status.add_argument('--name')
    for sub in (site, render):
        sub.add_argument('--listen', type=int, required=True)
        sub.add_argument('--upstream', type=int, required=True)
    render.add_argument('--name', required=True)
    args = parser.parse_args(argv)
    if args.action == 'locate':
        print(locate(args.nginx) or '')
        return 0
    handler = {'site': command_site, 'render': command_render, 'remove': command_remove, 'status': command_status,
               'stop': command_stop}
    try:
        answer = handler[args.action](args)
    except ProxyError as error:
        print(str(error), file=sys.stderr)
        return 1
    if answer is not None:
        print(json.dumps(answer))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
