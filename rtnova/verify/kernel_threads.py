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

"""The KVM kernel threads of a guest: where they belong, and are they there.

``<emulatorpin>`` covers QEMU's own threads only. KVM adds two per guest:

* ``kvm-pit/<qemu pid>``, a kernel thread (a child of kthreadd, outside
  QEMU's thread group and cgroup) that injects the emulated PIT's timer
  interrupts into vCPU 0. Left alone it floats over the housekeeping CPUs
  and delivers ticks late. KubeVirt affines it to vCPU 0's CPUs
  (kubevirt/kubevirt PR 9613). rtnova does the same; when vCPU 0 is itself
  real-time at priority P, the thread gets SCHED_FIFO P+1 on that CPU,
  since a SCHED_OTHER thread never runs on a CPU a busy SCHED_FIFO vCPU
  holds (its work is a short interrupt injection).
* ``kvm-nx-lpage-recovery-<qemu pid>`` (comm ``kvm-nx-lpage-re``), a
  kernel worker in QEMU's thread group that periodically takes the guest's
  MMU lock to recover NX huge pages. Measured here: it is forked from the
  vCPU thread that creates it, so it inherits vCPU 0's CPU, cpuset cgroup
  and SCHED_FIFO priority; libvirt's cgroup keeps it from being moved to
  the emulator CPUs (EINVAL). rtnova leaves it there and does not judge it;
  on CPUs without the iTLB multihit erratum, the kvm module parameter
  ``nx_huge_pages=never`` removes its work.
"""

import dataclasses

from rtnova.hardware import policies
from rtnova.hardware import threads as threads_mod
from rtnova.hardware import tuning
from rtnova.verify import compare

PIT = 'kvm-pit'
OTHER = tuning.ThreadSched(policies.SCHED_OTHER, 0)
MAX_PRIORITY = 99


def placement(intent):
    """{thread name: (CPUs, Sched)} for a real-time guest's KVM threads."""
    wanted = {}
    vcpu0 = intent.vcpu_affinity.get(0)
    if vcpu0:
        sched = intent.vcpu_sched.get(0)
        if sched is not None and sched.policy in ('fifo', 'rr'):
            sched = tuning.ThreadSched(
                'fifo', min(sched.priority + 1, MAX_PRIORITY))
        else:
            sched = OTHER
        wanted[PIT] = (frozenset(vcpu0), sched)
    return wanted


def _thread(proc, pid, comm):
    try:
        thread = proc.thread(pid, pid)
    except (OSError, ValueError):
        return None
    # found by its name, kvm-pit/<QEMU pid>: a kernel thread
    return dataclasses.replace(thread, comm=comm, process='',
                               flags=threads_mod.PF_KTHREAD)


def find(proc, pid):
    """{thread name: threads.Thread} of the KVM threads of QEMU ``pid``.

    ``kvm-pit/<pid>`` is a kernel thread with its own /proc entry.
    ``proc`` is the host reader (``rtnova.hostfs``).
    """
    found = {}
    pit_comm = '%s/%d' % (PIT, pid)
    for entry in proc.pids():
        if proc.process_comm(entry) != pit_comm:
            continue
        thread = _thread(proc, entry, pit_comm)
        if thread:
            found[PIT] = thread
    return found


def facts(wanted, found):
    """verify Facts for each KVM thread that exists (absent: no fact)."""
    result = []
    for name, (cpus, sched) in sorted(wanted.items()):
        thread = found.get(name)
        if thread is None:
            continue
        subject = '%s (tid %d)' % (name, thread.tid)
        result.extend(compare.thread_facts_of(subject, thread, cpus, sched))
    return result


def apply(wanted, found, access):
    """Place the found threads as ``wanted``; returns failures as text.

    ``access`` (``rtnova.privsep.access``) makes the calls: kvm-pit is
    root's kernel thread, so nova-compute needs privsep's CAP_SYS_NICE.
    """
    failures = []
    for name, (cpus, sched) in sorted(wanted.items()):
        thread = found.get(name)
        if thread is None:
            continue
        try:
            if thread.affinity != cpus:
                access.set_thread_affinity(thread.tid, sorted(cpus))
            if (thread.policy, thread.priority) != (sched.policy,
                                                    sched.priority):
                access.set_thread_scheduler(thread.tid, sched.policy,
                                            sched.priority)
        except (OSError, ValueError) as exc:
            failures.append('%s (tid %d): %s' % (name, thread.tid, exc))
    return failures
