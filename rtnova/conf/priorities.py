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

"""Scheduling of real-time vCPUs (and optionally emulator/I/O threads)."""

from oslo_config import cfg

OPTS = [
    cfg.StrOpt(
        'default_realtime_policy',
        default='fifo',
        choices=[('fifo', 'SCHED_FIFO'), ('rr', 'SCHED_RR')],
        help="""
Scheduler policy of real-time vCPUs when the flavor or image does not set
``hw:cpu_realtime_policy``.
"""),
    cfg.IntOpt(
        'default_realtime_priority',
        default=None,
        min=1,
        max=99,
        sample_default=10,
        help="""
SCHED_FIFO/RR priority of real-time vCPUs when the flavor or image does not
set ``hw:cpu_realtime_priority``. Unset means 10 (see below). It must lie
within ``min_realtime_priority`` and ``max_realtime_priority``.

Why 10 and not nova's 1: on a PREEMPT_RT host (and in a PREEMPT_RT guest)
many kernel threads -- ksoftirqd, rcuc/rcub, ktimers -- already run at
SCHED_FIFO 1, so vCPUs at priority 1 tie with them and are round-robined
against housekeeping work (KVM Forum 2015, "Real-Time KVM for the Masses").
10 lifts vCPUs above those threads while staying well below the threaded IRQ
handlers (SCHED_FIFO 50) and the per-CPU migration/watchdog threads (99)
the host must still be able to run on an isolated CPU.

Compatibility: when this option is unset and ``[libvirt]
realtime_scheduler_priority`` is set to something other than nova's default
1, nova's value is the default, so an existing nova.conf keeps its meaning.
"""),
    cfg.IntOpt(
        'min_realtime_priority',
        default=1,
        min=1,
        max=99,
        help='Lowest priority a flavor or image may ask for with '
             '``hw:cpu_realtime_priority``.'),
    cfg.IntOpt(
        'max_realtime_priority',
        default=49,
        min=1,
        max=99,
        help="""
Highest priority a flavor or image may ask for with
``hw:cpu_realtime_priority``. A boot asking for more fails with a fault that
names the key. The default keeps tenants below the host's threaded IRQ
handlers (SCHED_FIFO 50); raise it only on hosts whose interrupts are all
steered to housekeeping CPUs. ``rtnova-status``'s ``kthread_priorities``
check names the kernel threads of the dedicated CPUs (ksoftirqd, ktimers,
rcuc/rcub, irq threads) that a vCPU at up to this priority can starve.
"""),
]
