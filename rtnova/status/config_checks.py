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

"""Checks of nova.conf's real-time options: the CPU sets and the priorities.

The rules are the host rules nova-compute applies at start-up
(``rtnova.hardware.host_config_rules``), so both say the same.
Each takes (probe, sets) and returns (code, details, fix).
"""

from rtnova.hardware import host_config_rules as rules
from rtnova.status import result

SUCCESS, WARNING, FAILURE = result.SUCCESS, result.WARNING, result.FAILURE
_fmt = result.fmt


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
