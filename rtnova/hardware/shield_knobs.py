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

"""The kernel knobs the run-time shield sets, and what only boot can do.

Each knob names its reason. Most are the run-time settings of tuned's
``realtime`` profiles (its ``[sysctl]`` and ``[sysfs]`` sections set
``timer_migration``, ``stat_interval``, the workqueue masks), rendered for
the dedicated set given; no tuned code or text is used. No I/O here.
"""

import dataclasses

from rtnova.hardware import cpuset
from rtnova.hardware import errors
from rtnova.hardware import host_config_rules as rules

FAIR_SERVER = 'sys/kernel/debug/sched/fair_server'


@dataclasses.dataclass(frozen=True)
class Knob:
    name: str
    path: str      # relative to the root (no leading slash)
    value: str
    why: str
    kind: str = 'text'   # how to compare: 'text', 'hex' mask, CPU 'list'

    def holds(self, current):
        """Whether ``current`` (the file's text) already is the value."""
        if current is None:
            return False
        try:
            if self.kind == 'hex':
                return (cpuset.parse_hex_mask(current) ==
                        cpuset.parse_hex_mask(self.value))
            if self.kind == 'list':
                return (cpuset.parse_cpu_spec(current) ==
                        cpuset.parse_cpu_spec(self.value))
        except (ValueError, errors.InvalidCPUSpec):
            return False
        return current.strip() == self.value


def _mask_knobs(housekeeping):
    mask = cpuset.format_hex_mask(housekeeping)
    cpus = cpuset.format_cpu_spec(housekeeping)
    return [
        Knob('unbound workqueues', 'sys/devices/virtual/workqueue/cpumask',
             mask, 'kworker/u* threads (work not bound to a CPU) run only on '
             'housekeeping CPUs', 'hex'),
        Knob('writeback workqueue',
             'sys/bus/workqueue/devices/writeback/cpumask', mask,
             'dirty page write-back runs only on housekeeping CPUs', 'hex'),
        Knob('default IRQ affinity', 'proc/irq/default_smp_affinity', mask,
             'interrupts registered from now on (hot-plug, driver reload) '
             'start on housekeeping CPUs', 'hex'),
        Knob('kernel.watchdog_cpumask', 'proc/sys/kernel/watchdog_cpumask',
             cpus, 'the lockup detectors\' timers run only on housekeeping '
             'CPUs', 'list'),
    ]


def knobs(housekeeping, dedicated, stalld_running, fair_server_state,
          guard=None):
    """([Knob] to set, [(knob, why it is left alone)]).

    ``fair_server_state`` is the status reader's: 'read', 'absent',
    'unmounted' or 'refused'. ``guard`` names what still gives a starved
    per-CPU kernel thread time next to a busy SCHED_FIFO vCPU once RT
    throttling is off (stalld, or the kernel's own fair server); None if
    nothing does. The fair server itself is zeroed only while stalld runs:
    then stalld is the one guard left.
    """
    todo = [
        Knob('kernel.timer_migration', 'proc/sys/kernel/timer_migration',
             '0', 'a timer stays on the CPU that armed it: a busy vCPU\'s '
             'CPU never looks idle, so it would expire other CPUs\' timers'),
        Knob('vm.stat_interval', 'proc/sys/vm/stat_interval', '10',
             'the per-CPU vmstat worker wakes every 10 s, not every second'),
    ] + _mask_knobs(housekeeping)
    left = []
    if guard:
        todo.append(Knob(
            'kernel.sched_rt_runtime_us', 'proc/sys/kernel/'
            'sched_rt_runtime_us', '-1', 'no real-time throttling: a '
            'SCHED_FIFO vCPU is not stopped for 50 ms of every second; '
            'starved kernel threads still get time: %s' % guard))
    else:
        left.append(('kernel.sched_rt_runtime_us = -1', 'nothing would '
                     'give starved kernel threads time (stalld does not '
                     'run, and the kernel has no active fair server): a '
                     'busy SCHED_FIFO vCPU would starve its CPU\'s kernel '
                     'threads for good; start stalld and run rtnova-shield '
                     'again'))
    if fair_server_state == 'read' and stalld_running:
        todo.extend(Knob('fair server of CPU %d' % cpu,
                         '%s/cpu%d/runtime' % (FAIR_SERVER, cpu), '0',
                         'normal tasks no longer get 50 ms of every '
                         'second next to a SCHED_FIFO vCPU (stalld runs)')
                    for cpu in sorted(dedicated))
    elif fair_server_state == 'read':
        left.append(('fair server runtime 0', 'stalld does not run, and '
                     'the fair server is then the only guard against '
                     'starvation'))
    return todo, left


def boot_time_limits(dedicated, cmdline, fair_server_state):
    """[(what, why the run time cannot, the boot-time or kernel fix)]."""
    spec = cpuset.format_cpu_spec(dedicated)
    limits = []
    for param, why in (
            ('nohz_full', 'the scheduler tick interrupts each dedicated CPU '
             'every few ms while its vCPU runs'),
            ('rcu_nocbs', 'RCU callbacks run on the CPU that queued them'),
            ('isolcpus', 'managed IRQs (multi-queue devices) and kernel '
             'threads started later are spread over every CPU')):
        covered = rules.kernel_cpu_list(cmdline, param) or frozenset()
        if not dedicated <= covered:
            fix = ('isolcpus=managed_irq,domain,%s' % spec
                   if param == 'isolcpus' else '%s=%s' % (param, spec))
            limits.append((param, why, 'boot with ' + fix))
    if fair_server_state in ('unmounted', 'refused'):
        limits.append((
            'fair server', 'debugfs is %s, so the deadline fair server '
            'still gives normal tasks 50 ms of every second on each '
            'dedicated CPU (after the shield only per-CPU kernel threads '
            'are left to use it)' % ('not mounted' if fair_server_state ==
                                     'unmounted' else 'refused'),
            'mount debugfs on a kernel without lockdown, run stalld and '
            'rtnova-shield again (it sets the runtime to 0); else a kernel '
            'before 6.12 or with the fair server tunable outside debugfs'))
    return limits
