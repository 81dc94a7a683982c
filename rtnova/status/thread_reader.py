# Copyright 2026 The rtnova Authors
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""Reads of processes and threads for rtnova-status (``/proc/<pid>/...``).

A mixin of :class:`rtnova.status.host_reader.HostProbe`: every path goes
through its ``path``/``_glob`` under the injectable root, so fake trees
work.
"""

import os

from rtnova.hardware import cpuset
from rtnova.hardware import threads as threads_mod

STALLD_BINARIES = ('usr/bin/stalld', 'usr/sbin/stalld',
                   'usr/local/bin/stalld')


def _read_text(path):
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return None


def _status_field(text, field):
    for line in text.splitlines():
        key, sep, value = line.partition(':')
        if sep and key == field:
            return value.strip()
    return None


def _parse_thread(pid, tid, status, stat, process):
    fields = threads_mod.split_stat(stat)
    allowed = _status_field(status, 'Cpus_allowed_list')
    if len(fields) < 42 or allowed is None:
        return None
    return threads_mod.Thread(
        pid=pid, tid=tid, comm=_status_field(status, 'Name') or '?',
        affinity=cpuset.parse_cpu_spec_or_none(allowed) or frozenset(),
        flags=int(fields[9]), priority=int(fields[40]),
        policy=threads_mod.policy_name(int(fields[41])), process=process)


class ThreadReads(object):

    def threads(self):
        """[:class:`rtnova.hardware.threads.Thread`] of every thread in /proc.

        Threads that exit while being read are skipped.
        """
        threads = []
        for proc in self._glob('proc/[0-9]*'):
            pid = int(os.path.basename(proc))
            process = (_read_text(os.path.join(proc, 'comm')) or '').strip()
            for task in self._glob(os.path.relpath(proc, self.root) +
                                   '/task/[0-9]*'):
                status = _read_text(os.path.join(task, 'status'))
                stat = _read_text(os.path.join(task, 'stat'))
                if status is None or stat is None:
                    continue
                try:
                    info = _parse_thread(pid, int(os.path.basename(task)),
                                         status, stat, process)
                except ValueError:
                    continue
                if info is not None:
                    threads.append(info)
        return threads

    def processes(self):
        """{pid: comm} of the processes in /proc."""
        found = {}
        for path in self._glob('proc/[0-9]*/comm'):
            comm = _read_text(path)
            if comm is not None:
                found[int(os.path.basename(os.path.dirname(path)))] = \
                    comm.strip()
        return found

    def holders_of(self, device):
        """{pid: comm} of the processes that hold ``device`` open.

        Read from their /proc/<pid>/fd links (``/dev/cpu_dma_latency``).
        """
        holders = {}
        names = self.processes()
        for link in self._glob('proc/[0-9]*/fd/*'):
            try:
                target = os.readlink(link)
            except OSError:
                continue
            if target == device:
                pid = int(link.split(os.sep)[-3])
                holders[pid] = names.get(pid, '?')
        return holders

    def stalld_installed(self):
        return any(os.path.exists(self.path(p)) for p in STALLD_BINARIES)
