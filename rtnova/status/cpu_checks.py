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

"""Checks of the CPU layout: the sets, isolation, IRQs, SMT, frequency.

Each takes (probe, sets) and returns (code, details, fix).
"""

from rtnova.hardware import cpuset
from rtnova.hardware import host_config_rules as rules
from rtnova.status import result

SUCCESS, WARNING, FAILURE = result.SUCCESS, result.WARNING, result.FAILURE
_fmt = result.fmt
kernel_cpu_list = result.kernel_cpu_list


def check_dedicated_set(probe, sets):
    if not sets.dedicated:
        return (FAILURE, 'no dedicated CPUs: %s is not set, so no guest can '
                'have pinned real-time vCPUs' % sets.dedicated_option,
                'set [compute] cpu_dedicated_set to the isolated CPUs, '
                'e.g. cpu_dedicated_set = 4-11')
    online = probe.online_cpus()
    if online is not None and not sets.dedicated <= online:
        return (FAILURE, '%s lists CPUs %s that are not online (online: %s)'
                % (sets.dedicated_option, _fmt(sets.dedicated - online),
                   _fmt(online)),
                'list only online CPUs in %s' % sets.dedicated_option)
    return SUCCESS, '%s = %s' % (sets.dedicated_option,
                                 _fmt(sets.dedicated)), ''


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


def host_facts(probe):
    """The probe's view of the host as the host rules take it."""
    return rules.HostFacts(present=probe.present_cpus(),
                           online=probe.online_cpus(),
                           cmdline=probe.cmdline())


def failure_of(problems):
    """(FAILURE, details, fix) for broken host rules.

    The details carry the same option names and problems nova-compute
    prints when it refuses to start.
    """
    details = '; '.join('%s: %s' % (p.option, p.problem) for p in problems)
    fixes = []
    for problem in problems:
        if problem.fix not in fixes:
            fixes.append(problem.fix)
    return FAILURE, details, '; '.join(fixes)


def check_emulator_pool(probe, sets):
    if not sets.pool:
        return (WARNING, '[rtnova] emulator_pin_set is not set: real-time '
                'guests use nova\'s emulator thread policies (an extra '
                'dedicated CPU each with isolate, or the whole shared set)',
                'set [rtnova] emulator_pin_set to housekeeping CPUs, e.g. '
                'emulator_pin_set = 2-3')
    problems = rules.pool_problems(sets, host_facts(probe))
    if problems:
        return failure_of(problems)
    return SUCCESS, ('emulator pool %s: online housekeeping CPUs, disjoint '
                     'from the dedicated and shared sets' %
                     _fmt(sets.pool)), ''


def check_priority_config(probe, sets):
    problems = rules.priority_problems(sets.priorities)
    if problems:
        return failure_of(problems)
    settings = sets.priorities
    default, option = settings.effective_default()
    return SUCCESS, ('real-time priorities %d-%d, default %s:%d (%s)' % (
        settings.min_priority, settings.max_priority,
        settings.default_policy, default, option)), ''


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


def check_irqbalance(probe, sets):
    isolated = _isolated(probe, sets)
    running = 'irqbalance' in probe.running_processes()
    path, values = probe.irqbalance_config()
    banned = frozenset()
    source = None
    if values.get('IRQBALANCE_BANNED_CPULIST'):
        source = 'IRQBALANCE_BANNED_CPULIST'
        banned = result.cpu_list(values[source])
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


def check_smt(probe, sets):
    state = probe.smt_control()
    if state in ('off', 'forceoff', 'notsupported', 'notimplemented'):
        return SUCCESS, 'SMT: %s' % state, ''
    if state is None:
        return (WARNING, 'cannot read /sys/devices/system/cpu/smt/control',
                'check SMT (hyper-threading) is disabled in the BIOS')
    return (WARNING, 'SMT is %s: a sibling thread shares the core\'s '
            'execution units with a real-time vCPU' % state,
            'disable hyper-threading in the BIOS or boot with nosmt')


def check_cpu_frequency(probe, sets):
    governors = probe.governors()
    pstate = probe.intel_pstate_status()
    cpus = sets.dedicated or frozenset(governors)
    slow = sorted(c for c in cpus if governors.get(c, 'performance') !=
                  'performance')
    note = ', intel_pstate %s' % pstate if pstate else ''
    if not governors:
        return (WARNING, 'no cpufreq policy exposed%s: the frequency is set '
                'by firmware or a hypervisor and cannot be checked here'
                % note,
                'disable power management and turbo in the BIOS '
                '(or use the performance governor)')
    if slow:
        return (WARNING, 'CPUs %s run governor(s) %s%s: frequency changes '
                'add latency' % (_fmt(frozenset(slow)), ', '.join(sorted(
                    {governors[c] for c in slow})), note),
                'cpupower frequency-set -g performance (tuned '
                'realtime-virtual-host sets it), or intel_pstate=disable')
    return SUCCESS, 'governor performance on %s%s' % (_fmt(cpus), note), ''
