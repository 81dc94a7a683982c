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

"""Checks that housekeeping work stays off the dedicated CPUs: timers,
unbound workqueues, new IRQs, lockup detectors and SMT siblings.

Each takes (probe, sets) and returns (code, details, fix). They end in
Warning at worst: each leaks some host work (latency) into a real-time CPU.
"""

from rtnova.hardware import cpuset
from rtnova.status import result

SUCCESS, WARNING, FAILURE = result.SUCCESS, result.WARNING, result.FAILURE
_fmt = result.fmt


def _housekeeping(probe, sets):
    return result.housekeeping(probe.online_cpus(), sets)


def check_timer_migration(probe, sets):
    value = probe.sysctl('kernel.timer_migration')
    if value is None:
        return SUCCESS, ('no kernel.timer_migration in this kernel: timers '
                         'stay on the CPU that armed them'), ''
    if value == '0':
        return SUCCESS, 'kernel.timer_migration = 0', ''
    return (WARNING,
            'kernel.timer_migration = %s: the kernel hands timers of idle '
            'CPUs to busy ones, and a CPU running a busy vCPU never looks '
            'idle, so it may expire other CPUs\' timers' % value,
            'sysctl kernel.timer_migration=0 (and persist it in '
            '/etc/sysctl.d/)')


def _mask_excludes(cpus, sets, what, path, fix):
    if not sets.dedicated:
        return result.no_dedicated_set()
    if cpus is None:
        return (WARNING, 'cannot read %s' % path,
                'check that /proc and /sys are mounted; %s' % fix)
    overlap = cpus & sets.dedicated
    if not overlap:
        return SUCCESS, '%s = %s (%s) excludes the dedicated set' % (
            path, cpuset.format_hex_mask(cpus), _fmt(cpus)), ''
    return (WARNING, '%s = %s (%s): %s may run on dedicated CPUs %s' % (
        path, cpuset.format_hex_mask(cpus), _fmt(cpus), what,
        _fmt(overlap)), fix)


def check_workqueue_mask(probe, sets):
    keep = _housekeeping(probe, sets) or frozenset({0})
    path = '/sys/devices/virtual/workqueue/cpumask'
    return _mask_excludes(
        probe.workqueue_cpus(), sets,
        'unbound workqueue workers (kworker/u*)', path,
        'echo %s > %s (tuned\'s realtime profile writes the non-isolated '
        'CPUs there)' % (cpuset.format_hex_mask(keep), path))


def check_default_irq_affinity(probe, sets):
    keep = _housekeeping(probe, sets) or frozenset({0})
    path = '/proc/irq/default_smp_affinity'
    return _mask_excludes(
        probe.default_irq_cpus(), sets,
        'IRQs registered from now on (a device hot-plugged or a driver '
        'reloaded)', path,
        'echo %s > %s, or boot with irqaffinity=%s'
        % (cpuset.format_hex_mask(keep), path, _fmt(keep)))


def _active_detectors(probe):
    """Names of the lockup detectors that run, or None without any."""
    enabled = probe.sysctl('kernel.watchdog')
    if enabled is None:
        return None
    if enabled == '0':
        return []
    active = []
    if probe.sysctl('kernel.nmi_watchdog') == '1':
        active.append('the NMI (hard lockup) watchdog: a perf NMI every '
                      'watchdog_thresh seconds')
    if probe.sysctl('kernel.soft_watchdog') == '1':
        active.append('the soft lockup watchdog: a timer and a wake-up of '
                      'the watchdog thread every few seconds')
    return active


def check_watchdog(probe, sets):
    if not sets.dedicated:
        return result.no_dedicated_set()
    active = _active_detectors(probe)
    if active is None:
        return SUCCESS, 'no lockup detectors in this kernel', ''
    if not active:
        return SUCCESS, 'lockup detectors off (nowatchdog or sysctls)', ''
    cpus = probe.watchdog_cpus()
    overlap = sets.dedicated if cpus is None else cpus & sets.dedicated
    if not overlap:
        return SUCCESS, ('lockup detectors run only on watchdog_cpumask %s, '
                         'outside the dedicated set' % _fmt(cpus)), ''
    keep = _housekeeping(probe, sets) or frozenset({0})
    return (WARNING,
            'on dedicated CPUs %s run %s' % (_fmt(overlap),
                                             ' and '.join(active)),
            'sysctl kernel.watchdog_cpumask=%s and kernel.nmi_watchdog=0, or '
            'boot with nowatchdog (nosoftlockup, which tuned\'s realtime '
            'profile adds, stops only the soft lockup one)' % _fmt(keep))


def _set_of(cpu, sets):
    if cpu in sets.pool:
        return 'emulator pool'
    if cpu in sets.shared:
        return 'shared set'
    return 'housekeeping'


def check_smt_siblings(probe, sets):
    if not sets.dedicated:
        return result.no_dedicated_set()
    leaks, unknown = [], []
    for cpu in sorted(sets.dedicated):
        siblings = probe.thread_siblings(cpu)
        if siblings is None:
            unknown.append(cpu)
            continue
        for other in sorted(siblings - sets.dedicated):
            leaks.append('CPU %d shares its core with %d (%s)' % (
                cpu, other, _set_of(other, sets)))
    if unknown == sorted(sets.dedicated):
        return (WARNING, 'cannot read the thread siblings of dedicated CPUs '
                '%s' % _fmt(frozenset(unknown)), 'check that /sys is mounted')
    if not leaks:
        return SUCCESS, ('every dedicated CPU\'s thread siblings are '
                         'dedicated too (or SMT is off)'), ''
    return (WARNING,
            '%s: the sibling\'s load takes execution units and caches from '
            'the real-time vCPU' % '; '.join(leaks),
            'put whole cores into %s (both threads of each core), or turn '
            'SMT off (nosmt)' % sets.dedicated_option)
