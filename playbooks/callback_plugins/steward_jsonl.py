# Steward's stdout callback: one JSON object per line, flushed as each event happens.
#
# ansible-core 2.14 ships no JSON-lines stdout callback (ansible.posix.jsonl comes only with the
# large collections package), so Steward carries this one next to its playbooks. The Swift side
# (StewardAnsible's AnsibleEventParser) reads these lines; keep the two in step.
#
# Results reach callbacks as clean copies: a result of a `no_log` task holds only the censored text,
# so nothing here can leak data a task asked to hide. Warnings and deprecations go to stderr through
# Ansible's display, as with the default callback; stdout carries JSON lines only.

from __future__ import annotations

DOCUMENTATION = '''
    name: steward_jsonl
    type: stdout
    short_description: one JSON object per line for Steward
    description:
      - Writes playbook, play, task and per-host result events as JSON lines to stdout, then a stats event.
'''

import difflib
import json
import sys
import time

from ansible.plugins.callback import CallbackBase

# Keeps one event line bounded even when a module returns a huge message.
MAX_MESSAGE_CHARS = 4000
# A changed task's diff (--diff, Steward's drift check) is kept whole up to this size.
MAX_DIFF_CHARS = 20000


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'steward_jsonl'

    def __init__(self, display=None):
        super().__init__(display)
        self._task_started = {}
        self._host_started = {}

    # Output

    def _emit(self, event, **fields):
        record = {'event': event}
        record.update(fields)
        sys.stdout.write(json.dumps(record, default=str, ensure_ascii=True) + '\n')
        sys.stdout.flush()

    @staticmethod
    def _now_ms():
        return time.monotonic() * 1000.0

    # Result helpers

    def _duration_ms(self, result, final=False):
        task_id = result._task._uuid
        key = (task_id, result._host.get_name())
        # Loop items report before the task's final result, which ends the host's run of the task.
        started = self._host_started.pop(key, None) if final else self._host_started.get(key)
        if started is None:
            started = self._task_started.get(task_id)
        if started is None:
            return 0
        return max(0, int(round(self._now_ms() - started)))

    @staticmethod
    def _truncate(text):
        if len(text) > MAX_MESSAGE_CHARS:
            return text[:MAX_MESSAGE_CHARS] + '…'
        return text

    @classmethod
    def _message(cls, data):
        """The human-readable reason of a failed or unreachable result (censored text under no_log)."""
        if not isinstance(data, dict):
            return cls._truncate(str(data))
        if 'censored' in data:
            return data['censored']
        parts = []
        msg = data.get('msg')
        if msg:
            parts.append(msg if isinstance(msg, str) else json.dumps(msg, default=str))
        # Modules such as command put the real reason in stderr and only "non-zero return code" in msg.
        stderr = data.get('stderr')
        if isinstance(stderr, str) and stderr.strip():
            parts.append(stderr.strip())
        elif not parts:
            stdout = data.get('stdout')
            if isinstance(stdout, str) and stdout.strip():
                parts.append(stdout.strip())
        # A loop task fails with a generic message; the first failed item says why.
        for item in data.get('results', []) or []:
            if isinstance(item, dict) and item.get('failed'):
                parts.append('item %s: %s' % (cls._item_label(item), cls._message(item)))
                break
        if not parts and 'exception' in data:
            parts.append(str(data['exception']).strip().splitlines()[-1])
        return cls._truncate('\n'.join(parts))

    @classmethod
    def _diff(cls, result):
        """A changed result's diff as unified text: the module's `diff` (copy, file, Steward's modules), or a
        debug task's message (the check-mode reports of what a deploy would do). None when there is neither."""
        data = result._result
        if not isinstance(data, dict) or 'censored' in data:
            return None
        parts = []
        diffs = data.get('diff')
        for diff in diffs if isinstance(diffs, list) else [diffs] if isinstance(diffs, dict) else []:
            if diff.get('prepared'):
                parts.append(str(diff['prepared']).rstrip('\n'))
                continue
            before, after = diff.get('before'), diff.get('after')
            if isinstance(before, dict) or isinstance(after, dict):
                before, after = json.dumps(before, indent=2, sort_keys=True), json.dumps(after, indent=2, sort_keys=True)
            if before is None and after is None or before == after:
                continue
            lines = difflib.unified_diff(
                str(before or '').splitlines(), str(after or '').splitlines(),
                fromfile=str(diff.get('before_header', 'before')), tofile=str(diff.get('after_header', 'after')), lineterm='')
            parts.append('\n'.join(lines))
        if not parts and result._task.action in ('debug', 'ansible.builtin.debug') and isinstance(data.get('msg'), str):
            parts.append(data['msg'].strip())
        text = '\n'.join(part for part in parts if part)
        if not text:
            return None
        return text[:MAX_DIFF_CHARS] + '\n…' if len(text) > MAX_DIFF_CHARS else text

    @staticmethod
    def _item_label(data):
        if 'censored' in data:
            return '(censored)'
        label = data.get('_ansible_item_label', data.get('item'))
        return label if isinstance(label, str) else json.dumps(label, default=str)

    @staticmethod
    def _task_name(result):
        return result.task_name or result._task.get_name()

    def _host_result(self, event, result, **extra):
        data = result._result
        self._handle_warnings(data)
        fields = {
            'host': result._host.get_name(),
            'task': self._task_name(result),
            'duration_ms': self._duration_ms(result, final=True),
        }
        fields.update(extra)
        self._emit(event, **fields)

    def _item_result(self, status, result):
        data = result._result
        self._handle_warnings(data)
        fields = {
            'host': result._host.get_name(),
            'task': self._task_name(result),
            'status': status,
            'item': self._item_label(data),
            'duration_ms': self._duration_ms(result),
        }
        if status == 'failed':
            fields['msg'] = self._message(data)
        self._emit('item', **fields)

    # Playbook and play

    def v2_playbook_on_start(self, playbook):
        self._emit('playbook_start', playbook=playbook._file_name)

    def v2_playbook_on_play_start(self, play):
        self._emit('play_start', play=play.get_name().strip(), hosts=list(play.hosts or []))

    def v2_playbook_on_no_hosts_matched(self):
        self._emit('no_hosts_matched')

    def v2_playbook_on_no_hosts_remaining(self):
        self._emit('no_hosts_remaining')

    def _task_start(self, task, handler):
        self._task_started[task._uuid] = self._now_ms()
        self._emit('task_start', task=task.get_name().strip(), handler=handler)

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_start(task, False)

    def v2_playbook_on_handler_task_start(self, task):
        self._task_start(task, True)

    def v2_runner_on_start(self, host, task):
        self._host_started[(task._uuid, host.get_name())] = self._now_ms()

    # Per-host results

    def v2_runner_on_ok(self, result):
        if not result._result.get('changed', False):
            self._host_result('ok', result)
            return
        diff = self._diff(result)
        self._host_result('changed', result, **({'diff': diff} if diff else {}))

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._host_result('failed', result, msg=self._message(result._result), ignore_errors=bool(ignore_errors))

    def v2_runner_on_skipped(self, result):
        self._host_result('skipped', result)

    def v2_runner_on_unreachable(self, result):
        self._host_result('unreachable', result, msg=self._message(result._result))

    def v2_runner_item_on_ok(self, result):
        self._item_result('changed' if result._result.get('changed', False) else 'ok', result)

    def v2_runner_item_on_failed(self, result):
        self._item_result('failed', result)

    def v2_runner_item_on_skipped(self, result):
        self._item_result('skipped', result)

    def v2_runner_retry(self, result):
        data = result._result
        self._emit(
            'retry',
            host=result._host.get_name(),
            task=self._task_name(result),
            attempt=data.get('attempts', 0),
            retries=data.get('retries', 0),
        )

    # End of run

    def v2_playbook_on_stats(self, stats):
        hosts = {}
        for name in sorted(stats.processed.keys()):
            hosts[name] = stats.summarize(name)
        self._emit('stats', hosts=hosts)
