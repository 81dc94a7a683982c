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

"""The fake kernel of rtnova-shield's unit tests: cgroup v1 and v2 rules
kept on a tree of plain files (``status_fakes.FakeHostTree``).
"""

import errno
import os

from rtnova.hardware import cpuset
from rtnova.shield import cpuset_v1
from rtnova.shield import shield_host as host_mod
from tests.unit import status_fakes

CPUSET = 'sys/fs/cgroup/cpuset/'
V2 = 'sys/fs/cgroup/'
CPUSET_V2_FILES = ('cpuset.cpus', 'cpuset.cpus.effective',
                   'cpuset.cpus.partition')
SHIELD = CPUSET + cpuset_v1.NAME + '/'
ROOT_TIDS = sorted({t[1] for t in status_fakes.READY_THREADS} - {3001})


class FakeKernelHost(host_mod.ShieldHost):
    """The kernel rules the shield relies on, on plain files.

    cgroup v1: writing a TID to a cpuset's ``tasks`` takes it out of the
    cpuset it was in. cgroup v2: the same for a PID and ``cgroup.procs``;
    ``+cpuset``/``-cpuset`` written to the root's ``cgroup.subtree_control``
    adds or removes the cpuset files of its children; ``cpuset.cpus``
    decides ``cpuset.cpus.effective`` (empty: the parent's CPUs); a
    process moved in is confined to its cgroup's CPUs, and moved back to
    the root gets the affinity it had (Linux 6.2+ keeps the one a task
    asked for).
    """

    def __init__(self, root, systemd=None):
        super().__init__(root, systemd=systemd)
        self.refuse = {}   # relative path -> errno
        self.asked = {}    # TID -> affinity before a v2 cpuset confined it

    def write(self, relative, value):
        if relative in self.refuse:
            code = self.refuse[relative]
            raise OSError(code, os.strerror(code))
        if relative.endswith('/tasks'):
            return self._move(CPUSET, 'tasks', relative, value)
        if relative.endswith('/cgroup.procs'):
            self._move(V2, 'cgroup.procs', relative, value)
            return self._attach(int(value), os.path.dirname(relative))
        if relative == V2 + 'cgroup.subtree_control':
            return self._subtree_control(value)
        super().write(relative, value)
        if relative.startswith(V2) and relative.endswith('/cpuset.cpus'):
            super().write(relative + '.effective',
                          value or self.read(V2 + 'cpuset.cpus.effective'))

    def _move(self, top, name, relative, value):
        for listed in self.glob(top + '**/' + name) + self.glob(
                top + name):
            rel = os.path.relpath(listed, self.root)
            kept = [t for t in self.task_ids(rel) if t != int(value)]
            super().write(rel, ' '.join(map(str, kept)))
        # the kernel lists a cgroup's tasks in no set order: keep them sorted
        tids = sorted(self.task_ids(relative) + [int(value)])
        super().write(relative, ' '.join(map(str, tids)))

    def _attach(self, pid, cgroup):
        cpus = self.read(cgroup + '/cpuset.cpus.effective') or self.read(
            V2 + 'cpuset.cpus.effective')
        for thread in [t for t in self.threads() if t.pid == pid]:
            if cgroup + '/' == V2:
                if thread.tid in self.asked:
                    self.set_affinity(thread.tid,
                                      self.asked.pop(thread.tid))
                continue
            allowed = cpuset.parse_cpu_spec(cpus)
            self.asked.setdefault(thread.tid, thread.affinity)
            self.set_affinity(thread.tid, (thread.affinity & allowed) or
                              allowed)

    def _subtree_control(self, value):
        enabled = self.read(V2 + 'cgroup.subtree_control', '').split()
        name = value[1:]
        enabled = [c for c in enabled if c != name]
        if value[0] == '+':
            enabled.append(name)
        super().write(V2 + 'cgroup.subtree_control', ' '.join(enabled))
        for child in self.glob(V2 + '*/cgroup.procs'):
            rel = os.path.relpath(os.path.dirname(child), self.root)
            if name != 'cpuset':
                continue
            if value[0] == '+':
                self._cpuset_files(rel)
            else:
                for cpuset_file in CPUSET_V2_FILES:
                    if self.exists(rel + '/' + cpuset_file):
                        self.remove_file(rel + '/' + cpuset_file)

    def _cpuset_files(self, relative):
        super().write(relative + '/cpuset.cpus', '')
        super().write(relative + '/cpuset.cpus.effective',
                      self.read(V2 + 'cpuset.cpus.effective'))
        super().write(relative + '/cpuset.cpus.partition', 'member')

    def make_dir(self, relative):
        super().make_dir(relative)
        if relative.startswith(CPUSET):
            super().write(relative + '/tasks', '')
            return
        super().write(relative + '/cgroup.procs', '')
        if 'cpuset' in self.read(V2 + 'cgroup.subtree_control', '').split():
            self._cpuset_files(relative)

    def remove_dir(self, relative):
        for name in ('tasks', 'cgroup.procs', 'cpuset.cpus', 'cpuset.mems',
                     'cpuset.cpus.effective', 'cpuset.cpus.partition'):
            if self.exists(relative + '/' + name):
                os.unlink(self.path(relative + '/' + name))
        super().remove_dir(relative)

    def set_affinity(self, tid, cpus):
        found = self.glob('proc/*/task/%d/status' % tid)
        if not found:
            raise OSError(errno.ESRCH, os.strerror(errno.ESRCH))
        with open(found[0]) as fh:
            text = fh.read()
        head, _, _ = text.partition('Cpus_allowed_list:')
        with open(found[0], 'w') as fh:
            fh.write(head + 'Cpus_allowed_list:\t%s'
                     % cpuset.format_cpu_spec(cpus))


def snapshot(root):
    """{relative path: stripped text} of every file, and every directory."""
    found = {}
    for top, dirs, files in os.walk(root):
        for name in dirs:
            found[os.path.relpath(os.path.join(top, name), root)] = '<dir>'
        for name in files:
            path = os.path.join(top, name)
            with open(path) as fh:
                found[os.path.relpath(path, root)] = fh.read().strip()
    return found
