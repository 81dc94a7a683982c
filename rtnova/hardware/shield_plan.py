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

"""The run-time shield of the dedicated CPUs: its decisions, without I/O.

What may run on a dedicated CPU, what the shield moves off it, what it
cannot move and why, the kernel knobs it sets (each with its reason) and
what only a boot option or another kernel can do. ``rtnova/shield`` does
the reading and writing; ``rtnova-status``'s ``dedicated_cpu_intruders``
sorts threads with :func:`classify` too, so both tell one story.
"""

from rtnova.hardware import cpuset
from rtnova.hardware import errors
from rtnova.hardware import threads as threads_mod

# include/linux/sched.h task flag: the kernel refuses affinity changes
PF_NO_SETAFFINITY = 0x04000000
# KVM's kernel threads of a guest (rtnova/verify/kernel_threads.py)
KVM_THREADS = ('kvm-pit/', 'kvm-nx-lpage-re')

# what a thread allowed on a dedicated CPU is, for the shield
VCPU = 'vcpu'                # libvirt pins it there: it belongs there
GUEST = 'guest'              # QEMU's other threads, KVM's: libvirt/rtnova
PER_CPU = 'per-cpu kthread'  # bound to its CPU by the kernel
KTHREADD = 'kthreadd'        # the kernel refuses to move it
KERNEL_MASK = 'unbound kthread'  # follows a kernel mask (workqueues)
MOVABLE = 'movable'          # the shield's cpuset takes it

WHY = {
    VCPU: 'a vCPU thread: libvirt pins it to its pCPU',
    GUEST: 'a guest\'s QEMU or KVM thread: libvirt and the rtnova driver '
           'place it (emulator pool, kvm-pit next to vCPU 0)',
    PER_CPU: 'a per-CPU kernel thread (softirqs, timers, RCU, workqueue '
             'of this CPU): the kernel binds it and refuses to move it; '
             'nohz_full and rcu_nocbs at boot take most of its work away',
    KTHREADD: 'kthreadd, the parent of kernel threads: the kernel refuses '
              'to move it; kernel threads started later get the kernel\'s '
              'housekeeping mask (boot with isolcpus=domain,managed_irq,'
              '<dedicated> or nohz_full=<dedicated> to keep them off)',
    KERNEL_MASK: 'an unbound kernel thread the kernel refuses to move by '
                 'hand: workqueue workers follow the unbound workqueue '
                 'cpumask (the shield sets it), rescuers (kworker/R-*) '
                 'their workqueue\'s CPUs; isolcpus=domain,<dedicated> at '
                 'boot keeps them off',
    MOVABLE: 'movable: the shield\'s cpuset takes it (one started after '
             'the shield by a task outside that cpuset: run rtnova-shield '
             '--dedicated again)',
}


def housekeeping(online, dedicated, option='--dedicated'):
    """The CPUs left for the host, or InvalidHostConfig before any change.

    Refused: no dedicated CPU, a dedicated CPU that is not online here,
    and a dedicated set that leaves no online CPU for the host.
    """
    online, dedicated = frozenset(online or ()), frozenset(dedicated or ())
    if not dedicated:
        raise errors.InvalidHostConfig(
            option, 'no dedicated CPU given',
            'name the CPUs of [compute] cpu_dedicated_set, e.g. '
            '%s 4-11' % option)
    if not online:
        raise errors.InvalidHostConfig(
            option, 'cannot read the online CPUs of this host',
            'mount /sys (sys/devices/system/cpu/online)')
    outside = dedicated - online
    if outside:
        raise errors.InvalidHostConfig(
            option, 'CPU %s is not an online CPU of this host (online: %s)'
            % (cpuset.format_cpu_spec(outside),
               cpuset.format_cpu_spec(online)),
            'give CPUs from %s' % cpuset.format_cpu_spec(online))
    left = online - dedicated
    if not left:
        raise errors.InvalidHostConfig(
            option, 'dedicating %s leaves no CPU for the host (its '
            'processes, interrupts and kernel threads)'
            % cpuset.format_cpu_spec(dedicated),
            'keep at least one online CPU out of the dedicated set')
    return left


def classify(thread, dedicated):
    """What ``thread`` is on ``dedicated`` CPUs, or None if not there.

    ``thread`` is a :class:`rtnova.hardware.threads.Thread` (its
    ``process``, the leader's comm, and its task ``flags`` set).
    """
    if not thread.affinity & dedicated:
        return None
    if threads_mod.classify(thread.comm)[0] == threads_mod.VCPU:
        return VCPU
    if (thread.process.startswith('qemu') or
            thread.comm.startswith(KVM_THREADS)):
        return GUEST
    if thread.kthread:
        if thread.comm == 'kthreadd':
            return KTHREADD
        if len(thread.affinity) == 1:
            return PER_CPU
        if thread.flags & PF_NO_SETAFFINITY:
            return KERNEL_MASK
    return MOVABLE


def cgroup_movable(thread):
    """Whether the shield's cpuset takes ``thread`` (wherever it may run).

    Judged as if all its CPUs were dedicated: vCPUs, guest threads and the
    kernel threads the kernel refuses to move stay where they are.
    """
    return classify(thread, thread.affinity) == MOVABLE


def intruders(threads, dedicated):
    """(guest threads, other threads) allowed on dedicated CPUs.

    vCPU threads and per-CPU kernel threads are left out: they belong.
    """
    guest, other = [], []
    for thread in threads:
        kind = classify(thread, dedicated)
        if kind in (None, VCPU, PER_CPU):
            continue
        (guest if kind == GUEST else other).append(thread)
    return guest, other


def irq_target(affinity, housekeeping_cpus):
    """The new affinity of an IRQ, or None when it stays as it is.

    An IRQ on housekeeping CPUs only stays; one that may reach a dedicated
    CPU keeps its housekeeping CPUs, or gets all of them if it had none.
    """
    if affinity <= housekeeping_cpus:
        return None
    return (affinity & housekeeping_cpus) or frozenset(housekeeping_cpus)
