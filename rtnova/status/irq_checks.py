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

"""Checks of interrupts on the dedicated CPUs: affinities, the default
affinity of new IRQs, irqbalance.

Each takes (probe, sets) and returns (code, details, fix).
"""

from rtnova.hardware import cpuset
from rtnova.status import isolation_checks
from rtnova.status import result

SUCCESS, WARNING, FAILURE = result.SUCCESS, result.WARNING, result.FAILURE
_fmt = result.fmt
kernel_cpu_list = result.kernel_cpu_list


def _isolated(probe, sets):
    if sets.dedicated:
        return sets.dedicated
    return kernel_cpu_list(probe.cmdline(), 'isolcpus') or frozenset()


def check_irq_affinity(probe, sets):
    isolated = _isolated(probe, sets)
    if not isolated:
        return WARNING, 'nothing to compare: no dedicated or isolated CPUs', (
            'set [compute] cpu_dedicated_set')
    affinities = probe.irq_affinities()
    hitting = sorted(irq for irq, cpus in affinities.items()
                     if cpus & isolated)
    if not hitting:
        return SUCCESS, '%d IRQs, none may run on %s' % (
            len(affinities), _fmt(isolated)), ''
    shown = ', '.join('%d (%s)' % (irq, _fmt(affinities[irq]))
                      for irq in hitting[:8])
    more = ' and %d more' % (len(hitting) - 8) if len(hitting) > 8 else ''
    return (WARNING, '%d of %d IRQs may run on isolated CPUs %s: %s%s' % (
        len(hitting), len(affinities), _fmt(isolated), shown, more),
        'write housekeeping CPUs to /proc/irq/<n>/smp_affinity_list (e.g. '
        'echo %s > /proc/irq/%d/smp_affinity_list)' % (
            _fmt(probe.online_cpus() - isolated)
            if probe.online_cpus() else '0-1', hitting[0]))


def check_default_irq_affinity(probe, sets):
    keep = result.housekeeping(probe.online_cpus(), sets) or frozenset({0})
    path = '/proc/irq/default_smp_affinity'
    return isolation_checks.mask_excludes(
        probe.default_irq_cpus(), sets,
        'IRQs registered from now on (a device hot-plugged or a driver '
        'reloaded)', path,
        'echo %s > %s, or boot with irqaffinity=%s'
        % (cpuset.format_hex_mask(keep), path, _fmt(keep)))


def check_irqbalance(probe, sets):
    isolated = _isolated(probe, sets)
    running = 'irqbalance' in probe.running_processes()
    path, values = probe.irqbalance_config()
    banned = frozenset()
    source = None
    if values.get('IRQBALANCE_BANNED_CPULIST'):
        source = 'IRQBALANCE_BANNED_CPULIST'
        banned = (cpuset.parse_cpu_spec_or_none(values[source]) or
                  frozenset())
    elif values.get('IRQBALANCE_BANNED_CPUS'):
        source = 'IRQBALANCE_BANNED_CPUS'
        banned = cpuset.parse_hex_mask(values[source])
        if banned is None:
            return (WARNING, '%s in %s is not a hex mask: %r' % (
                source, path, values[source]),
                'write a hex mask (e.g. 00000ff0) or use '
                'IRQBALANCE_BANNED_CPULIST=4-11')
    if not running:
        return SUCCESS, ('irqbalance is not running: IRQ affinities stay as '
                         'set (see irq_affinity)'), ''
    missing = isolated - banned
    if not missing:
        return SUCCESS, 'irqbalance bans %s (%s in %s)' % (
            _fmt(banned), source, path), ''
    configured = ('%s = %s in %s' % (source, _fmt(banned), path)
                  if source else 'no banned CPUs configured')
    return (WARNING,
            'irqbalance is running and may move IRQs onto isolated CPUs %s '
            '(%s)' % (_fmt(missing), configured),
            'set IRQBALANCE_BANNED_CPULIST=%s in /etc/default/irqbalance '
            '(/etc/sysconfig/irqbalance on RHEL) and restart irqbalance'
            % _fmt(isolated | banned))
