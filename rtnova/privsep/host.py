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


"""The privsep entrypoints of rtnova: run in the daemon of ``host_pctxt``.

Each is one of :mod:`rtnova.privsep.host_ops` on the real host (``/``):
plain data in, plain data out, arguments checked in the daemon. nova-compute
reaches them through :class:`rtnova.privsep.access.PrivilegedHostAccess`.
"""

from rtnova.privsep import context
from rtnova.privsep import host_ops


@context.host_pctxt.entrypoint
def set_thread_affinity(tid, cpus):
    """Pin a QEMU thread or KVM kernel thread (CAP_SYS_NICE)."""
    host_ops.set_thread_affinity(tid, cpus)


@context.host_pctxt.entrypoint
def set_thread_scheduler(tid, policy, priority):
    """Set a thread's policy and priority (CAP_SYS_NICE)."""
    host_ops.set_thread_scheduler(tid, policy, priority)


@context.host_pctxt.entrypoint
def write_irq_affinity(irq, cpu_spec):
    """Point an interrupt at CPUs (uid 0 owns /proc/irq)."""
    host_ops.write_irq_affinity(irq, cpu_spec)


@context.host_pctxt.entrypoint
def read_process_file(pid, name, tid=None):
    """Read another user's numa_maps, smaps_rollup (CAP_SYS_PTRACE)."""
    return host_ops.read_process_file(pid, name, tid)
