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

"""The rules a compute host's real-time configuration must satisfy.

One set of rules, two callers: the compute driver's ``init_host`` refuses
to start on the first broken rule (as nova does for a bad
``cpu_dedicated_set``), and ``rtnova-status`` fails the matching check with
the same words. Plain data in, a tuple of
:class:`~rtnova.hardware.errors.InvalidHostConfig` out (empty: fine); each
names the option and the fix.
"""

import dataclasses

from rtnova.hardware import cpuset
from rtnova.hardware import errors
from rtnova.hardware import policies
from rtnova.hardware import request

POOL_OPTION = '[rtnova] emulator_pin_set'
SHARED_OPTION = '[compute] cpu_shared_set'
DEFAULT_OPTION = '[rtnova] default_realtime_priority'
NOVA_PRIORITY_OPTION = '[libvirt] realtime_scheduler_priority'
MIN_OPTION = '[rtnova] min_realtime_priority'
MAX_OPTION = '[rtnova] max_realtime_priority'
POLICY_OPTION = '[rtnova] default_realtime_policy'
# what sched_setscheduler(2) accepts for SCHED_FIFO/SCHED_RR
KERNEL_MIN_PRIORITY = 1
KERNEL_MAX_PRIORITY = 99
# nova's [libvirt] realtime_scheduler_priority default
NOVA_DEFAULT_PRIORITY = 1
# rtnova's default when neither option says otherwise: above the SCHED_FIFO
# 1 kernel threads of a PREEMPT_RT host, below its threaded IRQ handlers
DEFAULT_PRIORITY = 10
# isolcpus= flags that are not CPU lists (kernel-parameters.txt)
_ISOLCPUS_FLAGS = ('nohz', 'domain', 'managed_irq')


@dataclasses.dataclass(frozen=True)
class HostFacts:
    """What the running host has; None where the caller cannot tell."""

    # CPU ids the kernel knows (online or not)
    present: frozenset = None
    online: frozenset = None
    cmdline: str = ''


@dataclasses.dataclass(frozen=True)
class CPUSets:
    """The CPU-set options of nova.conf, parsed."""

    pool: frozenset = frozenset()
    dedicated: frozenset = frozenset()
    shared: frozenset = frozenset()
    # which option gave ``dedicated`` (the legacy vcpu_pin_set or not)
    dedicated_option: str = '[compute] cpu_dedicated_set'


@dataclasses.dataclass(frozen=True)
class PrioritySettings:
    """The priority options of nova.conf, as written."""

    default_policy: str = policies.FIFO
    # [rtnova] default_realtime_priority (None: unset)
    default_priority: int = None
    nova_priority: int = NOVA_DEFAULT_PRIORITY
    min_priority: int = 1
    max_priority: int = 49

    def effective_default(self):
        """(priority, option that gave it) of real-time vCPUs by default.

        ``[rtnova] default_realtime_priority`` if set; else nova's
        ``[libvirt] realtime_scheduler_priority`` when the operator changed
        it from nova's 1 (an existing nova.conf keeps its meaning); else 10.
        """
        if self.default_priority is not None:
            return self.default_priority, DEFAULT_OPTION
        if self.nova_priority != NOVA_DEFAULT_PRIORITY:
            return self.nova_priority, NOVA_PRIORITY_OPTION
        return DEFAULT_PRIORITY, DEFAULT_OPTION


def kernel_cpu_list(cmdline, param):
    """CPUs of a ``param=`` list on the kernel command line, or None.

    The last occurrence wins, as in the kernel; ``isolcpus`` flags such as
    ``managed_irq,domain`` are skipped; an unparsable list is empty.
    """
    value = None
    for word in (cmdline or '').split():
        key, sep, arg = word.partition('=')
        if sep and key == param:
            value = arg
    if value is None:
        return None
    parts = [p for p in value.split(',') if p not in _ISOLCPUS_FLAGS]
    try:
        return frozenset(cpuset.parse_cpu_spec(','.join(parts)))
    except errors.InvalidCPUSpec:
        return frozenset()


_fmt = cpuset.describe


def _pool_error(problem, fix):
    return errors.InvalidHostConfig(POOL_OPTION, problem, fix)


def _overlaps(sets):
    found = []
    for other, option, why in (
            (sets.dedicated, sets.dedicated_option,
             'nova hands those pCPUs out to pinned vCPUs'),
            (sets.shared, SHARED_OPTION,
             'unpinned guests\' vCPUs float over them, unaccounted')):
        both = sets.pool & other
        if both:
            found.append(_pool_error(
                'CPUs %s are also in %s: %s' % (_fmt(both), option, why),
                'remove %s from one of the two options' % _fmt(both)))
    return found


def pool_problems(sets, facts):
    """Why the emulator pool cannot work on this host (empty: it can).

    The pool must be disjoint from the dedicated set (vCPUs would share
    their pCPU with emulator threads) and from ``cpu_shared_set`` (floating
    vCPUs would); its CPUs must exist and be online (else emulator threads
    cannot be pinned), and be housekeeping CPUs: on ``isolcpus`` CPUs the
    scheduler does not balance, so every emulator thread piles onto the
    first pool CPU, and ``nohz_full`` CPUs are meant for one busy task.
    """
    if not sets.pool:
        return ()
    found = _overlaps(sets)
    if facts.present is not None and sets.pool - facts.present:
        found.append(_pool_error(
            'CPUs %s do not exist on this host (it has %s)' % (
                _fmt(sets.pool - facts.present), _fmt(facts.present)),
            'list only CPUs this host has'))
    elif facts.online is not None and sets.pool - facts.online:
        found.append(_pool_error(
            'CPUs %s are not online' % _fmt(sets.pool - facts.online),
            'bring them online (echo 1 > /sys/devices/system/cpu/cpuN/'
            'online) or remove them from the option'))
    for param in ('isolcpus', 'nohz_full'):
        isolated = sets.pool & (kernel_cpu_list(facts.cmdline, param) or
                                frozenset())
        if isolated:
            found.append(_pool_error(
                'CPUs %s are in %s= (isolated): the pool must be '
                'housekeeping CPUs the scheduler balances threads over' % (
                    _fmt(isolated), param),
                'use housekeeping CPUs (not in isolcpus or nohz_full) for '
                'the pool'))
    return tuple(found)


def priority_problems(settings):
    """Why the priority options cannot be used (empty: they can)."""
    found = []
    if settings.default_policy not in policies.REALTIME_SCHED:
        found.append(errors.InvalidHostConfig(
            POLICY_OPTION, '%r is not a real-time policy' % (
                settings.default_policy,), 'set it to fifo or rr'))
    low, high = settings.min_priority, settings.max_priority
    for option, value in ((MIN_OPTION, low), (MAX_OPTION, high)):
        if not KERNEL_MIN_PRIORITY <= value <= KERNEL_MAX_PRIORITY:
            found.append(errors.InvalidHostConfig(
                option, '%d is outside the kernel\'s SCHED_FIFO/SCHED_RR '
                'range 1-99' % value, 'pick a value from 1 to 99'))
    if low > high:
        found.append(errors.InvalidHostConfig(
            MIN_OPTION, 'the range %d-%d is empty (above %s)' % (
                low, high, MAX_OPTION),
            'keep min_realtime_priority <= max_realtime_priority'))
        return tuple(found)
    default, option = settings.effective_default()
    if not low <= default <= high:
        unset = ('' if settings.default_priority is not None or
                 option == NOVA_PRIORITY_OPTION else
                 ' (built in: the option is unset)')
        found.append(errors.InvalidHostConfig(
            option, 'the default priority %d%s is outside '
            'min_realtime_priority-max_realtime_priority (%d-%d), so every '
            'real-time guest without its own priority would be refused' % (
                default, unset, low, high),
            'set %s to a value from %d to %d, or widen the range' % (
                DEFAULT_OPTION, low, high)))
    return tuple(found)


def pool_shrink_problem(capacity, holders):
    """Why a pool of ``capacity`` units cannot replace the current one.

    :param capacity: units the configured pool provides (0: no pool)
    :param holders: {instance uuid: pool units it holds on this host}
    :returns: an ``InvalidHostConfig`` or None. Placement refuses an
        inventory below the allocations against it (InventoryInUse) on
        every periodic update; this says once which guests hold the units.
    """
    used = sum(holders.values())
    if used <= capacity:
        return None
    names = ', '.join(sorted(holders))
    return _pool_error(
        'it provides %d CUSTOM_RT_EMULATOR_POOL units but %d are allocated '
        'to guests on this host (%s)' % (capacity, used, names),
        'restore the previous pool (or raise [rtnova] '
        'emulator_pool_guests_per_cpu) until those guests are moved '
        'or deleted')


def message(problems):
    """One text for a refusal: every problem with its option and fix."""
    return '; '.join(str(p) for p in problems)


def priority_limits(settings):
    """The :class:`request.PriorityLimits` of ``settings``.

    :raises errors.InvalidHostConfig: the first of
        :func:`priority_problems`.
    """
    problems = priority_problems(settings)
    if problems:
        raise problems[0]
    default, _option = settings.effective_default()
    return request.PriorityLimits(
        default_policy=settings.default_policy, default_priority=default,
        min_priority=settings.min_priority,
        max_priority=settings.max_priority)
