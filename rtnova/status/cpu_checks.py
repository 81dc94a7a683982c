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

"""Checks of the CPUs themselves: SMT, SMT siblings, frequency, idle states.

Each takes (probe, sets) and returns (code, details, fix). They end in
Warning at worst: they add latency, they do not stop a guest from working.
"""

from rtnova.status import result

SUCCESS, WARNING, FAILURE = result.SUCCESS, result.WARNING, result.FAILURE
_fmt = result.fmt


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


# An idle state whose exit latency is above this is "deep" (C1 exits in
# 1-2 us on current x86 parts; C1E and below take 10 us and far more).
DEEP_STATE_US = 2

# what /dev/cpu_dma_latency reads when nobody asks for a limit
NO_LATENCY_LIMIT = 2000000000
DMA_LATENCY = '/dev/cpu_dma_latency'


def _cmdline_value(cmdline, key):
    value = None
    for word in cmdline.split():
        name, sep, arg = word.partition('=')
        if name == key:
            value = arg if sep else ''
    return value


def _power_management_note(sets):
    if not sets.power_management:
        return ('nova\'s [libvirt] cpu_power_management is off: nova leaves '
                'the power state of these CPUs alone')
    if sets.power_strategy == 'governor':
        return ('nova\'s [libvirt] cpu_power_management (strategy governor) '
                'switches unused dedicated CPUs to cpu_power_governor_low '
                'and back for guests; it does not limit C-states')
    return ('nova\'s [libvirt] cpu_power_management (strategy cpu_state) '
            'takes unused dedicated CPUs offline and back online for '
            'guests; it does not limit the C-states of online CPUs')


def _idle_limits(probe):
    """(what limits idle depth, PM QoS limit in us or None)."""
    cmdline = probe.cmdline()
    limits = ['%s=%s' % (key, _cmdline_value(cmdline, key))
              for key in ('intel_idle.max_cstate', 'processor.max_cstate')
              if _cmdline_value(cmdline, key) is not None]
    max_cstate = probe.intel_idle_max_cstate()
    if max_cstate is not None:
        limits.append('intel_idle max_cstate %d' % max_cstate)
    qos = probe.cpu_dma_latency()
    if qos is None or qos >= NO_LATENCY_LIMIT:
        return limits, None
    holders = probe.holders_of(DMA_LATENCY)
    limits.append('%s = %d us held by %s' % (
        DMA_LATENCY, qos, ', '.join('%s (pid %d)' % (name, pid) for
                                    pid, name in sorted(holders.items()))
        or 'an unknown process'))
    return limits, qos


def _reachable_deep_states(probe, cpus, qos):
    """{cpu: [state text]} of deep states the idle governor may pick.

    cpuidle governors skip states whose exit latency exceeds the PM QoS
    limit (``/dev/cpu_dma_latency``) and states whose ``disable`` is set.
    """
    deep, any_states = {}, False
    for cpu in sorted(cpus):
        states = probe.idle_states(cpu)
        any_states = any_states or bool(states)
        reachable = ['%s (%d us)' % (s.name, s.latency_us) for s in states
                     if s.latency_us > DEEP_STATE_US and not s.disabled and
                     (qos is None or s.latency_us <= qos)]
        if reachable:
            deep[cpu] = reachable
    return deep, any_states


def check_cpu_idle(probe, sets):
    online = probe.online_cpus() or frozenset()
    cpus = (sets.dedicated & online if online else sets.dedicated) or online
    which = 'dedicated CPUs' if sets.dedicated else 'CPUs (no dedicated set)'
    note = _power_management_note(sets)
    offline = sets.dedicated - online if online else frozenset()
    if offline:
        note += '; CPUs %s are offline' % _fmt(offline)
    if _cmdline_value(probe.cmdline(), 'idle') == 'poll':
        return SUCCESS, 'idle=poll: CPUs never leave C0; %s' % note, ''
    limits, qos = _idle_limits(probe)
    deep, any_states = _reachable_deep_states(probe, cpus, qos)
    limited = '; limits: %s' % ', '.join(limits) if limits else ''
    if not any_states:
        return SUCCESS, ('no cpuidle states (driver %s): idle %s only halt '
                         '(C1)%s; %s' % (probe.idle_driver() or 'none', which,
                                         limited, note)), ''
    if not deep:
        return SUCCESS, ('no idle state deeper than %d us reachable on %s '
                         '%s%s; %s' % (DEEP_STATE_US, which, _fmt(cpus),
                                       limited, note)), ''
    first = min(deep)
    shown = '; '.join('CPU %d: %s' % (c, ', '.join(deep[c]))
                      for c in sorted(deep)[:4])
    more = ' and %d more CPUs' % (len(deep) - 4) if len(deep) > 4 else ''
    return (WARNING,
            'deep C-states reachable on %s %s: %s%s. Waking from them adds '
            'up to their exit latency to every interrupt of an idle vCPU '
            '(SEAPATH measured in-guest maximum latency grow from ~60 us '
            'to over 40 ms)%s; %s' % (which, _fmt(frozenset(deep)), shown,
                                      more, limited, note),
            'boot with intel_idle.max_cstate=1 processor.max_cstate=1, or '
            'disable the states (echo 1 > /sys/devices/system/cpu/cpu%d/'
            'cpuidle/stateN/disable for each deep N and dedicated CPU), or '
            'hold %s open at 0 (tuned\'s force_latency does)'
            % (first, DMA_LATENCY))
