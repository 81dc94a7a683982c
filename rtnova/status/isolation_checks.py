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

"""Checks that the dedicated CPUs are isolated from housekeeping work.

The kernel command line (isolcpus, nohz_full, rcu_nocbs), timer migration,
unbound workqueues and lockup detectors. Each takes (probe, sets) and
returns (code, details, fix); all but isolcpus end in Warning at worst: each
leaks some host work (latency) into a real-time CPU.
"""

from rtnova.hardware import cpuset
from rtnova.status import result

SUCCESS, WARNING, FAILURE = result.SUCCESS, result.WARNING, result.FAILURE
_fmt = result.fmt
kernel_cpu_list = result.kernel_cpu_list


def _housekeeping(probe, sets):
    return result.housekeeping(probe.online_cpus(), sets)


def _coverage(probe, sets, param, code_if_missing, why, implied_by=None):
    if not sets.dedicated:
        return WARNING, 'nothing to compare: no dedicated set', (
            'set [compute] cpu_dedicated_set')
    cmdline = probe.cmdline()
    covered = kernel_cpu_list(cmdline, param) or frozenset()
    note = ''
    if implied_by:
        implied = kernel_cpu_list(cmdline, implied_by) or frozenset()
        if implied - covered:
            note = ' (%s implies %s for %s)' % (implied_by, param,
                                                _fmt(implied))
        covered = covered | implied
    missing = sets.dedicated - covered
    if not missing:
        return SUCCESS, '%s covers the dedicated set %s%s' % (
            param, _fmt(sets.dedicated), note), ''
    return (code_if_missing,
            'dedicated CPUs %s are not in %s= (kernel command line has %s); '
            '%s' % (_fmt(missing), param, _fmt(covered) if covered else
                    'none', why),
            'add %s=%s to the kernel command line (tuned '
            'realtime-virtual-host with isolated_cores=%s does it)'
            % (param, _fmt(sets.dedicated | covered), _fmt(sets.dedicated)))


def check_isolcpus(probe, sets):
    return _coverage(probe, sets, 'isolcpus', FAILURE,
                     'the host scheduler places its own tasks there')


def check_nohz_full(probe, sets):
    return _coverage(probe, sets, 'nohz_full', WARNING,
                     'the scheduler tick interrupts their vCPUs')


def check_rcu_nocbs(probe, sets):
    return _coverage(probe, sets, 'rcu_nocbs', WARNING,
                     'RCU callbacks run on them', implied_by='nohz_full')


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


def mask_excludes(cpus, sets, what, path, fix):
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
    return mask_excludes(
        probe.workqueue_cpus(), sets,
        'unbound workqueue workers (kworker/u*)', path,
        'echo %s > %s (tuned\'s realtime profile writes the non-isolated '
        'CPUs there)' % (cpuset.format_hex_mask(keep), path))


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
