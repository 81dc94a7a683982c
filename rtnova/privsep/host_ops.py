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


"""The host operations that need privileges, as checked plain functions.

Each takes and returns plain data (ints, strings, lists), checks its
arguments before touching the host, and raises ``ValueError`` naming the
bad argument or ``OSError`` from the kernel. :mod:`rtnova.privsep.host`
runs them in the privsep daemon (root fixed to ``/``); run directly, with
``root`` pointing at a fake tree, they serve unit tests and root operator
tools. The checks matter because the daemon trusts nothing its client
sends: a path is never taken from the caller, only numbers and names from
fixed lists.
"""

import os

from rtnova.hardware import cpuset
from rtnova.hardware import errors
from rtnova.hostfs import host_reader
from rtnova.hostfs import irq_reads

#: sched_setscheduler(2) policies by the names libvirt and /proc use
POLICIES = {'other': os.SCHED_OTHER, 'batch': os.SCHED_BATCH,
            'idle': os.SCHED_IDLE, 'fifo': os.SCHED_FIFO,
            'rr': os.SCHED_RR}
REALTIME_POLICIES = ('fifo', 'rr')
#: the /proc/<pid> files that another user's process hides behind the
#: kernel's ptrace read check, and the one rtnova reads beside them
PROCESS_FILES = ('numa_maps', 'smaps_rollup', 'status')


def _id(value, name, minimum=1):
    # bool is an int subclass; True as a pid is a caller's bug
    if isinstance(value, bool) or not isinstance(value, int) or \
            value < minimum:
        raise ValueError('%s must be an integer >= %d, not %r'
                         % (name, minimum, value))
    return value


def _cpus(cpus):
    if isinstance(cpus, (str, bytes)) or not cpus:
        raise ValueError('cpus must be a non-empty list of CPU numbers, '
                         'not %r' % (cpus,))
    return sorted({_id(cpu, 'cpu', 0) for cpu in cpus})


def set_thread_affinity(tid, cpus):
    """``sched_setaffinity(tid, cpus)``."""
    os.sched_setaffinity(_id(tid, 'tid'), _cpus(cpus))


def set_thread_scheduler(tid, policy, priority):
    """``sched_setscheduler(tid, policy, priority)``; policy by name."""
    if policy not in POLICIES:
        raise ValueError('policy must be one of %s, not %r'
                         % (', '.join(sorted(POLICIES)), policy))
    low, high = (1, 99) if policy in REALTIME_POLICIES else (0, 0)
    if isinstance(priority, bool) or not isinstance(priority, int) or \
            not low <= priority <= high:
        raise ValueError('priority of policy %s must be an integer in '
                         '%d-%d, not %r' % (policy, low, high, priority))
    os.sched_setscheduler(_id(tid, 'tid'), POLICIES[policy],
                          os.sched_param(priority))


def irq_affinity_path(irq, root='/'):
    return os.path.join(root, irq_reads.affinity_file(_id(irq, 'irq', 0)))


def write_irq_affinity(irq, cpu_spec, root='/'):
    """Write ``cpu_spec`` (``0-1,4``) to ``/proc/irq/<irq>/smp_affinity_list``.

    The spec is parsed and formatted again, so only a CPU list reaches the
    file; a missing file is an error (never created).
    """
    try:
        spec = cpuset.format_cpu_spec(cpuset.parse_cpu_spec(cpu_spec))
    except (errors.InvalidCPUSpec, TypeError, AttributeError) as exc:
        raise ValueError('cpu_spec: %s' % exc)
    if not spec:
        raise ValueError('cpu_spec must name at least one CPU, not %r'
                         % (cpu_spec,))
    fd = os.open(irq_affinity_path(irq, root), os.O_WRONLY | os.O_TRUNC)
    try:
        os.write(fd, (spec + '\n').encode())
    finally:
        os.close(fd)


def read_process_file(pid, name, tid=None, root='/'):
    """Text of ``/proc/<pid>[/task/<tid>]/<name>``, name from a fixed list.

    Read by the host reader every caller uses, here with this process's
    privileges (the daemon's CAP_SYS_PTRACE).
    """
    if name not in PROCESS_FILES:
        raise ValueError('name must be one of %s, not %r'
                         % (', '.join(PROCESS_FILES), name))
    _id(pid, 'pid')
    if tid is not None:
        _id(tid, 'tid')
    return host_reader.HostReader(root).ptrace_file(pid, name, tid)
