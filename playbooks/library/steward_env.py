#!/usr/bin/python3
# Steward's .env writer: writes the file (mode 0600) when its content differs, atomically.
#
# The content holds secrets: it is a no_log parameter (Ansible masks it in every result), and nothing this
# module returns contains a value: a check's diff names the keys that were added, removed or changed on the
# host, never what they hold. A failure says why (the file system's error), not what was being written.

from __future__ import annotations

DOCUMENTATION = r'''
module: steward_env
short_description: write a project's .env file without ever showing its values
options:
  content: {description: the file's text, required: true, type: str, no_log: true}
  dest: {description: the file, required: true, type: path}
  mode: {description: its permissions, default: '0600', type: str}
'''

import hashlib
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule


def entries(text):
    """KEY -> the line's text, for KEY=VALUE lines (comments and blank lines are not entries)."""
    found = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith('#') or '=' not in stripped:
            continue
        key = stripped.split('=', 1)[0].strip()
        if key.startswith('export '):
            key = key[len('export '):].strip()
        found[key] = line
    return found


def key_diff(host, desired):
    """The keys that differ, one line each, as Ansible's diffs go (- what the host has, + what a deploy writes);
    values never shown."""
    old, new = entries(host), entries(desired)
    lines = []
    for key in sorted(set(old) | set(new)):
        if key not in old:
            lines.append('+%s (missing on the host)' % key)
        elif key not in new:
            lines.append('-%s (added on the host)' % key)
        elif old[key] != new[key]:
            lines.append('~%s (value changed on the host)' % key)
    if not lines and host != desired:
        lines.append('~ (comments, blank lines or line endings differ)')
    return '\n'.join(lines) + '\n'


def main():
    module = AnsibleModule(
        argument_spec=dict(
            content=dict(type='str', required=True, no_log=True),
            dest=dict(type='path', required=True),
            mode=dict(type='str', default='0600'),
        ),
        supports_check_mode=True,
    )
    content, dest = module.params['content'], module.params['dest']
    mode = int(module.params['mode'], 8)
    result = dict(changed=False, dest=dest, checksum=hashlib.sha1(content.encode('utf-8')).hexdigest())
    try:
        with open(dest, 'r', encoding='utf-8', errors='replace') as handle:
            current = handle.read()
        exists = True
    except FileNotFoundError:
        current, exists = '', False
    except OSError as error:
        module.fail_json(msg='writing %s failed: %s' % (dest, error.strerror or error), **result)
    current_mode = os.stat(dest).st_mode & 0o7777 if exists else None
    if exists and current == content and current_mode == mode:
        module.exit_json(**result)

    result['changed'] = True
    if not exists:
        result['diff'] = dict(prepared='%s is missing on the host\n' % dest)
    elif current != content:
        result['diff'] = dict(prepared=key_diff(current, content))
    else:
        result['diff'] = dict(prepared='%s has mode %04o instead of %04o\n' % (dest, current_mode, mode))
    if module.check_mode:
        module.exit_json(**result)
    try:
        directory = os.path.dirname(dest) or '.'
        handle, temporary = tempfile.mkstemp(prefix='.env.', dir=directory)
        try:
            with os.fdopen(handle, 'w', encoding='utf-8') as out:
                out.write(content)
            os.chmod(temporary, mode)
            os.replace(temporary, dest)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        module.fail_json(msg='writing %s failed: %s' % (dest, error.strerror or error), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
