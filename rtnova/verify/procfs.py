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

"""Readers of what the kernel says about a QEMU process's threads.

The FOSDEM demo checks a real-time guest with ``taskset``, ``chrt`` and
``/proc/<pid>/numa_maps``; these readers do the same from ``/proc`` with an
injectable root, so the same code runs on fake trees in unit tests and on
real QEMU processes in ``rtnova-verify``.
"""

import dataclasses
import os
import re

from rtnova.hardware import cpuset
from rtnova.hardware import threads as threads_mod

_NUMA_NODE_PAGES = re.compile(r'^N(\d+)=(\d+)$')


@dataclasses.dataclass(frozen=True)
class Mapping:
    """One line of ``/proc/<pid>/numa_maps``."""

    address: str
    # 'default', 'bind', 'prefer', 'interleave', 'local', ...
    policy: str
    policy_nodes: frozenset
    huge: bool
    kernelpagesize_kb: int
    # NUMA node -> pages resident there
    pages_per_node: dict
    path: str = ''


class ProcFS(object):
    """Reads ``<root>/proc``; ``root`` is ``/`` on a real host."""

    def __init__(self, root='/'):
        self.root = root

    def path(self, *parts):
        return os.path.join(self.root, 'proc', *[str(p) for p in parts])

    def _read(self, *parts):
        with open(self.path(*parts)) as fh:
            return fh.read()

    def exists(self, pid):
        return os.path.isdir(self.path(pid))

    def thread_ids(self, pid):
        return sorted(int(t) for t in os.listdir(self.path(pid, 'task'))
                      if t.isdigit())

    def comm(self, pid, tid):
        return self._read(pid, 'task', tid, 'comm').rstrip('\n')

    def status(self, pid, tid=None):
        """``status`` of a process (or thread) as a dict of strings."""
        parts = (pid, 'status') if tid is None else (pid, 'task', tid,
                                                     'status')
        fields = {}
        for line in self._read(*parts).splitlines():
            key, sep, value = line.partition(':')
            if sep:
                fields[key] = value.strip()
        return fields

    def affinity(self, pid, tid):
        spec = self.status(pid, tid)['Cpus_allowed_list']
        return frozenset(cpuset.parse_cpu_spec(spec))

    def stat_fields(self, pid, tid):
        """Fields of ``stat`` numbered as in proc(5) (1 = pid).

        ``comm`` (field 2) may hold spaces and parentheses ("CPU 0/KVM"), so
        the fields after it are split from the last ')'.
        """
        return threads_mod.split_stat(self._read(pid, 'task', tid, 'stat'))

    def scheduling(self, pid, tid):
        """(policy name, rt_priority) of a thread: stat fields 41 and 40."""
        fields = self.stat_fields(pid, tid)
        return threads_mod.policy_name(int(fields[41])), int(fields[40])

    def flags(self, pid, tid):
        return int(self.stat_fields(pid, tid)[9])

    def locked_kb(self, pid):
        """``VmLck`` of a process, in KiB."""
        value = self.status(pid).get('VmLck', '0 kB')
        return int(value.split()[0])

    def numa_maps(self, pid):
        return parse_numa_maps(self._read(pid, 'numa_maps'))

    def threads(self, pid):
        """Every thread of QEMU process ``pid`` (``threads.Thread``).

        ``CPU n/KVM`` threads are vCPU n, ``IO iothreadN`` libvirt's I/O
        thread N, kernel workers are set apart, and the rest are emulator
        threads (the main loop, RCU, thread contexts, the monitor I/O
        thread, worker threads), which libvirt's ``<emulatorpin>`` governs.
        """
        threads = []
        for tid in self.thread_ids(pid):
            try:
                threads.append(self.thread(pid, tid))
            except FileNotFoundError:
                # the thread exited while we looked (QEMU worker threads
                # come and go)
                continue
        return threads

    def thread(self, pid, tid):
        """One thread's :class:`rtnova.hardware.threads.Thread`."""
        policy, priority = self.scheduling(pid, tid)
        return threads_mod.Thread(
            tid=tid, pid=pid, comm=self.comm(pid, tid),
            affinity=self.affinity(pid, tid), policy=policy,
            priority=priority, flags=self.flags(pid, tid))


def parse_numa_maps(text):
    """Parse ``numa_maps`` lines into :class:`Mapping` objects.

    A line is ``<address> <policy>[:<nodes>] [key[=value]]...``, e.g.
    ``7f81.. bind:0 file=/dev/hugepages/.. huge anon=32 dirty=32 N0=32
    kernelpagesize_kB=2048``. File names with spaces are escaped as
    ``\\040`` by the kernel, so splitting on whitespace is safe.
    """
    mappings = []
    for line in text.splitlines():
        words = line.split()
        if len(words) < 2:
            continue
        policy, _, nodes = words[1].partition(':')
        pages = {}
        huge = False
        pagesize = 4
        path = ''
        for word in words[2:]:
            match = _NUMA_NODE_PAGES.match(word)
            if match:
                pages[int(match.group(1))] = int(match.group(2))
            elif word == 'huge':
                huge = True
            elif word.startswith('kernelpagesize_kB='):
                pagesize = int(word.partition('=')[2])
            elif word.startswith('file='):
                path = word.partition('=')[2]
        mappings.append(Mapping(
            address=words[0], policy=policy,
            policy_nodes=frozenset(cpuset.parse_cpu_spec(nodes))
            if nodes else frozenset(),
            huge=huge, kernelpagesize_kb=pagesize, pages_per_node=pages,
            path=path))
    return mappings


# /proc/<pid> files behind the kernel's ptrace read check (another user's
# process): a privileged access reads them through its daemon
PTRACE_READ_FILES = ('numa_maps', 'smaps_rollup')


def for_access(access):
    """The ``/proc`` reader of a host access (``rtnova.privsep.access``).

    Built here, not by the access object, so that privsep (a lower layer)
    does not import verify.
    """
    if access.privileged:
        return PrivilegedProcFS(access)
    return ProcFS(access.root)


class PrivilegedProcFS(ProcFS):
    """``/proc`` with another user's memory maps read through privsep."""

    def __init__(self, access):
        super().__init__(access.root)
        self.access = access

    def _read(self, *parts):
        parts = [str(p) for p in parts]
        if parts[-1] in PTRACE_READ_FILES:
            tid = int(parts[2]) if len(parts) == 4 else None
            return self.access.read_process_file(int(parts[0]), parts[-1],
                                                 tid)
        return super()._read(*parts)
