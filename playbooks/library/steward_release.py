#!/usr/bin/python3
# Steward's checkout of one release: the commit's tree in DEST, made whole or not at all.
#
# The clone and checkout happen in DEST.partial, renamed into place only when the commit is checked out: a
# run killed half-way (the controller's kill -9, a lost SSH connection) leaves at most a .partial that the
# next run removes, never a release with a stale index.lock that no checkout gets past (ansible.builtin.git
# fails on one forever). A release whose HEAD is the commit is left alone; tracked files edited on the host
# are restored in place, so a running app keeps its directory. In check mode nothing changes: the result says
# what would (and, with --diff, shows the edits as `git diff` prints them).

from __future__ import annotations

DOCUMENTATION = r'''
module: steward_release
short_description: check out one commit into a release directory, atomically
options:
  source: {description: a clone URL or a git bundle path, required: true, type: str}
  dest: {description: the release directory, required: true, type: str}
  commit: {description: the full commit id, required: true, type: str}
'''

import os
import shutil
import subprocess

from ansible.module_utils.basic import AnsibleModule

# Bounds the diff a check reports (a rebuilt bundle in the tree must not make a huge event).
MAX_DIFF_CHARS = 20000


def git(*args, cwd=None):
    env = dict(os.environ, GIT_TERMINAL_PROMPT='0', LC_ALL='C')
    return subprocess.run(['git', *args], cwd=cwd, env=env, capture_output=True, text=True)


def state_of(dest, commit):
    """'missing', 'broken' (not the commit, locked, unreadable), 'clean' or 'modified' (with the edits)."""
    if not os.path.isdir(dest):
        return 'missing', ''
    head = git('-C', dest, 'rev-parse', '--verify', '-q', 'HEAD')
    if head.returncode != 0 or head.stdout.strip() != commit or os.path.exists(os.path.join(dest, '.git', 'index.lock')):
        return 'broken', ''
    status = git('-C', dest, 'status', '--porcelain', '--untracked-files=no')
    if status.returncode != 0:
        return 'broken', ''
    if not status.stdout.strip():
        return 'clean', ''
    diff = git('-C', dest, 'diff', '--no-color', '--no-ext-diff', 'HEAD')
    text = diff.stdout if diff.returncode == 0 else status.stdout
    if len(text) > MAX_DIFF_CHARS:
        text = text[:MAX_DIFF_CHARS] + '\n… (diff cut at %d characters)\n' % MAX_DIFF_CHARS
    return 'modified', text


def main():
    module = AnsibleModule(
        argument_spec=dict(
            source=dict(type='str', required=True),
            dest=dict(type='str', required=True),
            commit=dict(type='str', required=True),
        ),
        supports_check_mode=True,
    )
    source, dest, commit = module.params['source'], module.params['dest'], module.params['commit']
    state, edits = state_of(dest, commit)
    result = dict(changed=state != 'clean', dest=dest, commit=commit, state=state)
    if state == 'modified':
        result['msg'] = 'tracked files of the release were edited on the host'
        result['diff'] = dict(prepared=edits)
    elif state in ('missing', 'broken'):
        result['msg'] = 'the release %s %s' % (dest, 'is missing' if state == 'missing' else 'is not a clean checkout of the commit')
        result['diff'] = dict(before_header=dest, after_header=dest, before='', after='commit %s\n' % commit) \
            if state == 'missing' else dict(prepared='%s: not a clean checkout of %s; it would be checked out again\n' % (dest, commit))
    if module.check_mode or state == 'clean':
        module.exit_json(**result)

    if state == 'modified':
        reset = git('-C', dest, 'reset', '-q', '--hard', commit)
        if reset.returncode == 0:
            result['msg'] = 'restored the tracked files edited on the host'
            module.exit_json(**result)
    partial = dest + '.partial'
    shutil.rmtree(partial, ignore_errors=True)
    clone = git('clone', '-q', '--no-checkout', source, partial)
    if clone.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        module.fail_json(msg='git clone failed: %s' % clone.stderr.strip(), **result)
    checkout = git('-C', partial, '-c', 'advice.detachedHead=false', 'checkout', '-q', '--force', '--detach', commit)
    if checkout.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        module.fail_json(msg='commit %s is not in the repository' % commit, **result)
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(partial, dest)
    result['msg'] = 'checked out %s' % commit
    module.exit_json(**result)


if __name__ == '__main__':
    main()
