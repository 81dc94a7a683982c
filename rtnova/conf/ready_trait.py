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

"""Host readiness: which checks gate the real-time-ready trait."""

from oslo_config import cfg
from oslo_config import types

# The names of rtnova-status's checks (rtnova.status.checks.CHECKS; a unit
# test keeps the two in step). Listed here so reading the configuration does
# not import the checks.
CHECK_NAMES = (
    'realtime_kernel', 'dedicated_set', 'isolcpus', 'nohz_full', 'rcu_nocbs',
    'emulator_pool', 'priority_config', 'hugepages', 'lapic_timer_advance',
    'kvm_module', 'hypervisor', 'rt_throttling', 'fair_server', 'stalld',
    'rt_cgroup',
    'dedicated_cpu_intruders', 'kthread_priorities', 'irq_affinity',
    'default_irq_affinity', 'irqbalance', 'workqueue_mask', 'timer_migration',
    'watchdog', 'smt', 'smt_siblings', 'cpu_frequency', 'cpu_idle', 'ksm',
    'thp', 'tuned_profile', 'libvirt_version', 'kvm_device', 'memory_lock',
)

OPTS = [
    cfg.BoolOpt(
        'report_ready_trait',
        default=True,
        help="""
Report the ``CUSTOM_RT_READY`` trait on the compute node's resource provider
when every critical host-readiness check passes (the checks of
``rtnova-status``). Real-time flavors can then require it with
``trait:CUSTOM_RT_READY=required`` instead of relying on hand-kept host
aggregates.

Related options: ``readiness_critical_checks``.
"""),
    cfg.ListOpt(
        'readiness_critical_checks',
        item_type=types.String(choices=CHECK_NAMES),
        default=['realtime_kernel', 'dedicated_set', 'isolcpus',
                 'emulator_pool', 'priority_config', 'stalld', 'rt_cgroup',
                 'dedicated_cpu_intruders', 'kvm_device', 'memory_lock'],
        help="""
The ``rtnova-status`` checks that must not fail for the host to report
``CUSTOM_RT_READY``. A check that ends in Warning still passes; only Failure
withholds the trait.

The default covers what breaks a real-time guest (or its host) outright: no
PREEMPT_RT kernel, no dedicated CPUs, dedicated CPUs not isolated, a
misplaced emulator pool, priority options no guest can use
(``priority_config``), nothing to stop a busy SCHED_FIFO vCPU from
starving its CPU's kernel threads (``stalld``: RT throttling off, no fair
server and no stalld), guest cgroups without a real-time budget, other
threads allowed on the dedicated CPUs (``dedicated_cpu_intruders``: a
runnable thread there stalls a FIFO vCPU for tens of milliseconds), no
usable ``/dev/kvm``, and memory that cannot be locked.

The other checks are not critical by default because they cost latency
rather than correctness, and they end in Warning: ``kvm_module``,
``hypervisor``, ``fair_server``, ``kthread_priorities``,
``default_irq_affinity``, ``workqueue_mask``, ``timer_migration``,
``watchdog``, ``smt_siblings``, ``cpu_idle``, ``ksm`` and ``thp`` among
them. Valid names are those ``rtnova-status --json`` prints under
``check``.

Related options: ``report_ready_trait``.
"""),
]
