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

"""What keeps a dedicated CPU's kernel threads alive once RT throttling is off.

With ``sched_rt_runtime_us = -1`` a busy SCHED_FIFO vCPU never yields its
pCPU, so the per-CPU kernel threads there (kworker, ksoftirqd, RCU) need
something that still hands them time. Two things do:

- stalld, which boosts a thread that has waited too long;
- the deadline fair server of Linux 6.12 and newer, which gives normal
  (SCHED_OTHER) tasks up to 50 ms of every second on each CPU whatever RT
  throttling says. Measured on a 6.18 host (AMD EPYC, 2 CPUs): a SCHED_OTHER
  busy loop next to a SCHED_FIFO busy loop on CPU 1 got 160 ms of 3 s with
  the default 950000 and 140 ms of 3 s with -1. The kernel is its own guard.

Without either, the shield leaves RT throttling on and says why.
"""

from rtnova.hardware import shield_knobs
from rtnova.status import sched_checks

# the runtime the kernel boots the fair server with (50 ms of every 1 s)
FAIR_SERVER_BOOT_RUNTIME_MS = 50


def _fair_server(host, dedicated):
    """Why the fair server guards ``dedicated``; None when it does not."""
    server = host.fair_server(dedicated)
    release = host.kernel_release()
    if server.state == 'read':
        starved = sorted(c for c, (runtime, _) in server.runtime.items()
                         if runtime <= 0)
        if starved or not server.runtime:
            return None
        return ('the deadline fair server gives normal tasks time on every '
                'dedicated CPU (runtime read from debugfs)')
    if server.state == 'absent' or release is None or (
            release < sched_checks.FAIR_SERVER_SINCE):
        return None
    # debugfs refused or not mounted: only debugfs can change the runtime,
    # so it is what the kernel booted with
    return ('the deadline fair server of kernel %d.%d (6.12 and newer) gives '
            'normal tasks %d ms of every second on each CPU (its debugfs '
            'files are %s: the boot default is presumed; if someone set it '
            'to 0, start stalld)' % (
                release[0], release[1], FAIR_SERVER_BOOT_RUNTIME_MS,
                'refused' if server.state == 'refused' else 'not mounted'))


def starvation_guard(host, dedicated):
    """A sentence naming what guards ``dedicated``, or None."""
    if host.stalld_running():
        return 'stalld runs and boosts starved kernel threads'
    return _fair_server(host, dedicated)


def knobs_for(host, housekeeping, dedicated):
    """The shield's knobs for this host: :func:`shield_knobs.knobs`."""
    return shield_knobs.knobs(
        housekeeping, dedicated, host.stalld_running(),
        host.fair_server(dedicated).state,
        guard=starvation_guard(host, dedicated))
