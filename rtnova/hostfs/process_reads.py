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

"""Reads of processes and threads: ``/proc/<pid>/...``.

One parser makes every thread record (``hardware.threads.Thread``) from a
thread's ``status`` and ``stat``, for the host-wide scan (rtnova-status,
the shield) and for one QEMU process (rtnova-verify, the driver's
read-back) alike.
"""

from rtnova.hardware import cpuset
from rtnova.hardware import threads as threads_mod
from rtnova.hostfs import files
from rtnova.hostfs import numa_maps as numa_maps_mod

#: /proc/<pid> files behind the kernel's ptrace read check (another user's
#: process): read through ``ptrace_read`` when the reader has one
PTRACE_READ_FILES = ('numa_maps', 'smaps_rollup')


def _status_fields(text):
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition(':')
        if sep:
            fields[key] = value.strip()
    return fields


def parse_thread(pid, tid, status, stat, process=''):
    """A :class:`Thread` from a thread's ``status`` and ``stat`` texts;
    ValueError when they are not what the kernel writes.
    """
    fields = threads_mod.split_stat(stat)
    info = _status_fields(status)
    allowed = info.get('Cpus_allowed_list')
    if len(fields) < 42 or allowed is None:
        raise ValueError('thread %d: stat or status incomplete' % tid)
    return threads_mod.Thread(
        pid=pid, tid=tid, comm=info.get('Name') or '?',
        affinity=cpuset.parse_cpu_spec_or_none(allowed) or frozenset(),
        flags=int(fields[9]), priority=int(fields[40]),
        policy=threads_mod.policy_name(int(fields[41])), process=process)


def _proc(*parts):
    return '/'.join(['proc'] + [str(p) for p in parts])


class ProcessReads(files.HostFiles):

    # processes

    def pids(self):
        """Every process id in /proc, sorted."""
        return sorted(int(p) for p in self.listdir('proc') if p.isdigit())

    def process_comm(self, pid):
        """A process's ``comm``, or None (it exited, or never was)."""
        return self.read(_proc(pid, 'comm'))

    def process_cmdline(self, pid):
        """A process's arguments as bytes ([] when unreadable)."""
        try:
            return self.read_bytes(_proc(pid, 'cmdline')).split(b'\0')
        except OSError:
            return []

    def processes(self):
        """{pid: comm} of the processes in /proc."""
        found = {}
        for path in self.glob('proc/[0-9]*/comm'):
            comm = self.read(self.relative(path))
            if comm is not None:
                found[int(path.rsplit('/', 2)[-2])] = comm
        return found

    def running_processes(self):
        """Names (comm) of the processes in /proc."""
        return set(self.processes().values())

    def holders_of(self, device):
        """{pid: comm} of the processes that hold ``device`` open.

        Read from their /proc/<pid>/fd links (``/dev/cpu_dma_latency``).
        """
        holders = {}
        names = self.processes()
        for link in self.glob('proc/[0-9]*/fd/*'):
            try:
                target = self.readlink(self.relative(link))
            except OSError:
                continue
            if target == device:
                pid = int(link.rsplit('/', 3)[-3])
                holders[pid] = names.get(pid, '?')
        return holders

    def status(self, pid, tid=None):
        """``status`` of a process (or thread) as a dict of strings."""
        parts = (pid,) if tid is None else (pid, 'task', tid)
        return _status_fields(self.read_raw(_proc(*parts, 'status')))

    def locked_kb(self, pid):
        """``VmLck`` of a process, in KiB."""
        value = self.status(pid).get('VmLck', '0 kB')
        return int(value.split()[0])

    def ptrace_file(self, pid, name, tid=None):
        """Text of ``/proc/<pid>[/task/<tid>]/<name>``; the files behind
        the ptrace check go through ``ptrace_read`` when there is one.
        """
        if self.ptrace_read is not None and name in PTRACE_READ_FILES:
            return self.ptrace_read(pid, name, tid)
        parts = (pid,) if tid is None else (pid, 'task', tid)
        return self.read_raw(_proc(*parts, name))

    def numa_maps(self, pid):
        """[:class:`rtnova.hostfs.numa_maps.Mapping`] of a process."""
        return numa_maps_mod.parse_numa_maps(
            self.ptrace_file(pid, 'numa_maps'))

    # threads

    def thread_ids(self, pid):
        return sorted(int(t) for t in self.listdir(_proc(pid, 'task'))
                      if t.isdigit())

    def thread(self, pid, tid, process=''):
        """One thread's :class:`rtnova.hardware.threads.Thread`; raises
        OSError (it exited) or ValueError.
        """
        return parse_thread(
            pid, tid, self.read_raw(_proc(pid, 'task', tid, 'status')),
            self.read_raw(_proc(pid, 'task', tid, 'stat')), process)

    def scheduling(self, pid, tid):
        """(policy name, rt_priority) of a thread."""
        thread = self.thread(pid, tid)
        return thread.policy, thread.priority

    def affinity(self, pid, tid):
        return self.thread(pid, tid).affinity

    def process_threads(self, pid):
        """Every thread of process ``pid`` (``threads.Thread``).

        For a QEMU process, ``CPU n/KVM`` threads are vCPU n, ``IO
        iothreadN`` libvirt's I/O thread N, kernel workers are set apart,
        and the rest are emulator threads (the main loop, RCU, thread
        contexts, the monitor I/O thread, worker threads), which libvirt's
        ``<emulatorpin>`` governs.
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

    def threads(self):
        """Every thread of every process in /proc, each with its process's
        comm; threads that exit while being read are skipped.
        """
        threads = []
        for proc in self.glob('proc/[0-9]*'):
            pid = int(proc.rsplit('/', 1)[-1])
            process = self.process_comm(pid) or ''
            for task in self.glob(_proc(pid, 'task', '[0-9]*')):
                try:
                    threads.append(self.thread(
                        pid, int(task.rsplit('/', 1)[-1]), process))
                except (OSError, ValueError):
                    continue
        return threads
