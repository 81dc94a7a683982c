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

"""The shield's cgroup v1 cpuset: the kind of hierarchy ``cset shield``
builds, made for libvirt.

One child of the root cpuset, ``rtnova-housekeeping``, holds the
housekeeping CPUs and takes every movable task of the root cpuset; what
those tasks start later is born there. The root keeps every CPU, so
libvirt's ``machine`` cpuset (made at the root when no systemd runs)
still holds the dedicated CPUs and pins vCPU threads to them. A task in
the housekeeping cpuset that asks for a dedicated CPU
(``sched_setaffinity``, ``taskset``) is refused by the kernel with EINVAL:
it is not silently moved.
"""

import errno

from rtnova.hardware import cpuset
from rtnova.hardware import shield_plan
from rtnova.shield import shield_host as host_mod

NAME = 'rtnova-housekeeping'
ROOT = host_mod.CPUSET_V1
PATH = ROOT + '/' + NAME
# libvirt's partitions (no systemd: machine; with systemd: machine.slice)
LIBVIRT_PARTITIONS = ('machine', 'machine.slice')


def create(host, housekeeping):
    """Make (or re-point) the housekeeping cpuset; True if made now."""
    made = not host.exists(PATH)
    if made:
        host.make_dir(PATH)
    # a v1 cpuset starts with no CPUs and no memory nodes: it takes no
    # task until both are written
    host.write(PATH + '/cpuset.mems', host.read(ROOT + '/cpuset.mems', '0'))
    host.write(PATH + '/cpuset.cpus', cpuset.format_cpu_spec(housekeeping))
    return made


def move_in(host):
    """Move the root cpuset's movable tasks in: (moved, [refusals])."""
    threads = {t.tid: t for t in host.threads()}
    moved, refused = 0, []
    for tid in host.task_ids(ROOT + '/tasks'):
        thread = threads.get(tid)
        if thread is None or not shield_plan.cgroup_movable(thread):
            continue
        try:
            host.write(PATH + '/tasks', str(tid))
            moved += 1
        except OSError as exc:
            if exc.errno != errno.ESRCH:  # ESRCH: it exited meanwhile
                refused.append('%d %s: %s' % (tid, thread.comm,
                                              exc.strerror))
    return moved, refused


def move_out(host):
    """Every task of the housekeeping cpuset back to the root.

    Returns the TIDs still there (none unless the kernel refused).
    """
    return host_mod.drain(host, PATH + '/tasks', ROOT + '/tasks')


def remove(host):
    if host.exists(PATH):
        host.remove_dir(PATH)


def libvirt_partitions(host):
    """{cpuset path: its CPUs} of libvirt's partitions that exist."""
    found = {}
    for name in LIBVIRT_PARTITIONS:
        relative = '%s/%s/cpuset.cpus' % (ROOT, name)
        if host.exists(relative):
            found['/' + ROOT + '/' + name] = host_mod.cpus_of(
                host.read(relative, ''))
    return found
