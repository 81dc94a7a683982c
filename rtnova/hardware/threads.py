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


"""A thread as the kernel reports it: the one thread record.

Plain data read from ``/proc/<pid>/task/<tid>/{stat,status}`` (the
reading itself is ``rtnova.hostfs.process_reads``, which builds this
record). It also knows the QEMU
thread names (vCPU, I/O thread, emulator, kernel worker) so that
``rtnova-verify``, the driver's read-back and the probe classify a guest's
threads the same way.
"""

import dataclasses
import re

from rtnova.hardware import policies

# task flags (include/linux/sched.h): kernel threads, and the kernel's
# "user workers" (vhost, kvm-nx-lpage-recovery) that live in QEMU's thread
# group but are neither vCPU, I/O nor emulator threads
PF_USER_WORKER = 0x00004000
PF_KTHREAD = 0x00200000
# sched_setscheduler(2) policy numbers, named as libvirt writes them
POLICY_NAMES = {0: policies.SCHED_OTHER, 1: policies.FIFO, 2: policies.RR,
                3: 'batch', 5: 'idle', 6: 'deadline'}

# what a thread of a QEMU process does
VCPU = 'vcpu'
IOTHREAD = 'iothread'
EMULATOR = 'emulator'
KERNEL_WORKER = 'kernel-worker'

_VCPU_COMM = re.compile(r'^CPU (\d+)/KVM$')
# libvirt names its I/O threads "iothread<N>"; QEMU's own monitor I/O
# thread ("IO mon_iothread") is emulator work.
_IOTHREAD_COMM = re.compile(r'^IO iothread(\d+)$')


def split_stat(text):
    """Fields of a ``stat`` line numbered as in proc(5) (index 1 = pid).

    ``comm`` (field 2) may hold spaces and parentheses ("CPU 0/KVM",
    "a) (b"), so the fields after it are split from the last ')'.
    """
    head, _, tail = text.rpartition(')')
    pid_field, _, comm = head.partition(' (')
    return [None, pid_field.strip(), comm] + tail.split()


def policy_name(number):
    """libvirt's name of a scheduling policy number (``1`` -> ``fifo``)."""
    return POLICY_NAMES.get(number, str(number))


def classify(comm, flags=0):
    """(kind, index) of a QEMU thread from its name and task flags."""
    if flags & (PF_KTHREAD | PF_USER_WORKER):
        return KERNEL_WORKER, None
    match = _VCPU_COMM.match(comm)
    if match:
        return VCPU, int(match.group(1))
    match = _IOTHREAD_COMM.match(comm)
    if match:
        return IOTHREAD, int(match.group(1))
    return EMULATOR, None


@dataclasses.dataclass(frozen=True)
class Thread:
    tid: int
    comm: str
    # Cpus_allowed_list
    affinity: frozenset
    # policy_name() of stat field 41, and rt_priority (field 40)
    policy: str = policies.SCHED_OTHER
    priority: int = 0
    # task flags (stat field 9)
    flags: int = 0
    # the thread group (process); None when the reader did not say
    pid: int = None
    # comm of the thread group leader
    process: str = ''

    @property
    def kthread(self):
        return bool(self.flags & PF_KTHREAD)

    @property
    def realtime(self):
        return self.policy in policies.REALTIME_SCHED

    @property
    def main(self):
        """The process' first thread (QEMU's main loop)."""
        return self.pid == self.tid

    @property
    def kind(self):
        return classify(self.comm, self.flags)[0]

    @property
    def index(self):
        """vCPU number or I/O thread id; None for other threads."""
        return classify(self.comm, self.flags)[1]

    def policy_text(self):
        """``FIFO 50`` / ``OTHER``: the policy as chrt names it."""
        name = self.policy.upper()
        return '%s %d' % (name, self.priority) if self.realtime else name
