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

"""The shield's reads and writes of the host, under an injectable root.

Reads are the host reader's (:class:`rtnova.hostfs.host_reader.HostReader`:
threads, IRQs, CPUs, the fair server, any file under the root); this adds
the writes and the few facts only the shield asks. Tests run it on a fake
tree of plain files. ``systemd`` is the adapter to ``systemctl``
(:mod:`rtnova.shield.systemd_units`); tests give one with a fake runner.
"""

import errno
import os

from rtnova.hardware import cpuset
from rtnova.hardware import errors
from rtnova.hostfs import host_reader
from rtnova.shield import systemd_units

CPUSET_V1 = 'sys/fs/cgroup/cpuset'
CGROUP_V2 = 'sys/fs/cgroup'


class ShieldHost(host_reader.HostReader):

    def __init__(self, root='/', systemd=None):
        super().__init__(root)
        self.systemd = systemd or systemd_units.Systemd()

    def write(self, relative, value):
        """Write ``value`` to a kernel file (raises OSError as the kernel
        refuses: EINVAL, EIO, EPERM).
        """
        with open(self.path(relative), 'w') as fh:
            fh.write(value)

    def read_text(self, relative):
        """A file's text as it is (not stripped), or None if absent."""
        try:
            return self.read_raw(relative)
        except FileNotFoundError:
            return None

    def cgroup_mode(self):
        """'v1' (a cpuset hierarchy), 'v2' (cpuset in cgroup2) or None."""
        if self.exists(CPUSET_V1 + '/cpuset.cpus'):
            return 'v1'
        controllers = self.read(CGROUP_V2 + '/cgroup.controllers', '')
        return 'v2' if 'cpuset' in controllers.split() else None

    def systemd_runs(self):
        """Whether systemd is the init system (sd_booted(3)'s test)."""
        return self.isdir('run/systemd/system')

    def init_name(self):
        return self.read('proc/1/comm', '?')

    def stalld_running(self):
        return 'stalld' in self.processes().values()

    def task_ids(self, relative):
        """IDs listed in a ``tasks`` or ``cgroup.procs`` file (or none)."""
        text = self.read(relative, '')
        return [int(t) for t in text.split() if t.isdigit()]

    def set_affinity(self, tid, cpus):
        """sched_setaffinity(2) of one task (raises OSError as refused)."""
        os.sched_setaffinity(tid, cpus)

    def make_dir(self, relative):
        os.mkdir(self.path(relative))

    def list_dir(self, relative):
        return sorted(self.listdir(relative))

    def remove_dir(self, relative):
        os.rmdir(self.path(relative))

    def remove_file(self, relative):
        os.unlink(self.path(relative))


# forks can race a pass over a cgroup's task list: a few passes empty it
DRAIN_PASSES = 5


def drain(host, source, target):
    """Write every ID listed in ``source`` into ``target`` (cgroup files).

    ``tasks`` (v1, thread IDs) or ``cgroup.procs`` (v2, process IDs).
    Returns the IDs still in ``source``: none unless the kernel refused.
    """
    left = []
    for _ in range(DRAIN_PASSES):
        left = host.task_ids(source)
        if not left:
            break
        for task in left:
            try:
                host.write(target, str(task))
            except OSError as exc:
                if exc.errno != errno.ESRCH:  # ESRCH: it exited meanwhile
                    raise
    return left


def cpus_of(spec):
    """CPUs of a list (``0-3``); empty for an empty or unreadable one."""
    try:
        return frozenset(cpuset.parse_cpu_spec(spec)) if spec else frozenset()
    except errors.InvalidCPUSpec:
        return frozenset()
