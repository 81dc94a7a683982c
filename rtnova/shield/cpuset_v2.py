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

"""The shield's cgroup v2 cpuset where systemd is not PID 1.

One child of the root cgroup, ``rtnova-housekeeping``, holds the
housekeeping CPUs and takes every process of the root cgroup the kernel
lets move; what they start later is born there. The cpuset controller is
enabled in the root's ``cgroup.subtree_control`` if it was not (and
disabled again on undo). libvirt's cgroup (``machine``, a sibling) keeps
an empty ``cpuset.cpus``, which in cgroup v2 means every CPU of its parent,
so vCPU threads are still pinned to the dedicated CPUs.

The kernel refuses to move a kernel thread flagged PF_NO_SETAFFINITY
(per-CPU ones, workqueue workers, kthreadd) with EINVAL, in v2 as in v1
(``cgroup_procs_write_start`` in kernel/cgroup/cgroup.c); other kernel
threads move. A task inside that asks for a dedicated CPU
(``sched_setaffinity``) is refused with EINVAL: the kernel intersects the
request with the cgroup's effective CPUs (``cpuset_cpus_allowed``, one
function for v1 and v2) and an empty result is invalid.
"""

import errno

from rtnova.hardware import cpuset
from rtnova.hardware import shield_plan
from rtnova.shield import shield_host as host_mod

NAME = 'rtnova-housekeeping'
ROOT = host_mod.CGROUP_V2
PATH = ROOT + '/' + NAME
SUBTREE = ROOT + '/cgroup.subtree_control'
# libvirt's cgroups: machine without systemd, machine.slice with it
LIBVIRT_CGROUPS = ('machine', 'machine.slice')


def enable_controller(host):
    """+cpuset in the root's subtree_control; True if added now."""
    if 'cpuset' in host.read(SUBTREE, '').split():
        return False
    host.write(SUBTREE, '+cpuset')
    return True


def disable_controller(host):
    """-cpuset again; an error text if the kernel refuses, else ''."""
    try:
        host.write(SUBTREE, '-cpuset')
    except OSError as exc:
        # EBUSY: a child enabled cpuset for its own children meanwhile
        return ('the root\'s cgroup.subtree_control keeps cpuset (%s: a '
                'child cgroup uses it for its own children)' % exc.strerror)
    return ''


def create(host, housekeeping):
    """Make (or re-point) the housekeeping cgroup; True if made now."""
    made = not host.exists(PATH)
    if made:
        host.make_dir(PATH)
    # an empty cpuset.mems takes the parent's nodes: only CPUs are set
    host.write(PATH + '/cpuset.cpus', cpuset.format_cpu_spec(housekeeping))
    return made


def move_in(host):
    """Move the root cgroup's processes in: (moved, [not moved: why])."""
    leaders = {t.tid: t for t in host.threads() if t.tid == t.pid}
    moved, refused = 0, []
    for pid in host.task_ids(ROOT + '/cgroup.procs'):
        leader = leaders.get(pid)
        if leader is None or not shield_plan.cgroup_movable(leader):
            continue
        try:
            host.write(PATH + '/cgroup.procs', str(pid))
            moved += 1
        except OSError as exc:
            if exc.errno != errno.ESRCH:  # ESRCH: it exited meanwhile
                refused.append('%d %s: %s' % (pid, leader.comm,
                                              exc.strerror))
    return moved, refused


def kept_at_root(host):
    """Kernel threads the kernel keeps in the root cgroup, counted."""
    leaders = {t.tid: t for t in host.threads() if t.tid == t.pid}
    return sum(1 for pid in host.task_ids(ROOT + '/cgroup.procs')
               if pid in leaders and leaders[pid].kthread and
               not shield_plan.cgroup_movable(leaders[pid]))


def move_out(host):
    """Every process of the housekeeping cgroup back to the root.

    Returns the PIDs still there (none unless the kernel refused).
    """
    return host_mod.drain(host, PATH + '/cgroup.procs',
                          ROOT + '/cgroup.procs')


def remove(host):
    if host.exists(PATH):
        host.remove_dir(PATH)


def effective_cpus(host, name):
    """The CPUs a child cgroup of the root may run on.

    Without the cpuset controller (no ``cpuset.cpus.effective`` file) it
    has the root's CPUs.
    """
    for relative in ('%s/%s/cpuset.cpus.effective' % (ROOT, name),
                     ROOT + '/cpuset.cpus.effective'):
        text = host.read(relative)
        if text is not None:
            return host_mod.cpus_of(text)
    return frozenset(host.online_cpus() or ())


def libvirt_cgroups(host):
    """{cgroup path: its effective CPUs} of libvirt's that exist."""
    return {'/%s/%s' % (ROOT, name): effective_cpus(host, name)
            for name in LIBVIRT_CGROUPS
            if host.exists('%s/%s/cgroup.procs' % (ROOT, name))}


def has_partitions(host):
    """Whether this kernel offers cpuset partitions (a child's file)."""
    return any(host.exists('%s/%s/cpuset.cpus.partition' % (ROOT, name))
               for name in (NAME,) + LIBVIRT_CGROUPS)
