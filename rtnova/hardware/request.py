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

"""The real-time request: one immutable answer to "what does this guest ask?"

:func:`build_request` reads a flavor (vCPUs, memory, extra specs) and an
image's properties. nova's keys keep nova's exact meaning (see
:mod:`rtnova.hardware._cpu_constraints`); rtnova's keys add

* ``hw:cpu_realtime_policy`` = ``fifo`` | ``rr`` and
  ``hw:cpu_realtime_priority`` = N for the real-time vCPUs, bounded by the
  operator's :class:`PriorityLimits`;
* ``hw:emulator_threads_sched`` / ``hw:iothreads_sched`` = ``fifo:N`` |
  ``rr:N`` | ``other`` (libvirt's ``<emulatorsched>`` / ``<iothreadsched>``);
* ``resources:CUSTOM_RT_EMULATOR_POOL`` = N, units of the host's emulator
  pool that will carry the guest's emulator and I/O threads;
* ``hw:pci_irq_affinity_mask`` = vCPUs whose host CPUs take the interrupts
  of the guest's PCI devices (:mod:`rtnova.hardware.pci_irq`).

Image properties ``hw_<name>`` may give rtnova's keys too; an image may not
contradict its flavor, and on a guest that is not real-time rtnova's image
properties are ignored (one image serves real-time and ordinary flavors).
"""

import dataclasses
import re

from rtnova.hardware import _cpu_constraints as constraints
from rtnova.hardware import _numa_constraints as guest_numa
from rtnova.hardware import _spec_values as specs_mod
from rtnova.hardware import errors
from rtnova.hardware import guest_topology as guest
from rtnova.hardware import pci_irq
from rtnova.hardware import policies

POOL_RESOURCE = 'CUSTOM_RT_EMULATOR_POOL'
_POOL_KEY_RE = re.compile(r'resources[a-zA-Z0-9_-]{0,64}:%s$' % POOL_RESOURCE)
# the Linux SCHED_FIFO/SCHED_RR priority range
KERNEL_MIN_PRIORITY = 1
KERNEL_MAX_PRIORITY = 99

# the new keys, without their hw:/hw_ prefix
RT_POLICY = 'cpu_realtime_policy'
RT_PRIORITY = 'cpu_realtime_priority'
EMULATOR_SCHED = 'emulator_threads_sched'
IOTHREAD_SCHED = 'iothreads_sched'
NEW_KEYS = (RT_POLICY, RT_PRIORITY, EMULATOR_SCHED, IOTHREAD_SCHED)


@dataclasses.dataclass(frozen=True)
class PriorityLimits:
    """The operator's bounds (``[rtnova]`` options) as plain data."""

    default_policy: str = policies.FIFO
    default_priority: int = 10
    min_priority: int = 1
    max_priority: int = 49

    def __post_init__(self):
        if self.default_policy not in policies.REALTIME_SCHED:
            raise errors.InvalidHostConfig(
                '[rtnova] default_realtime_policy',
                '%r is not a real-time policy' % (self.default_policy,),
                'set it to fifo or rr')
        if not (KERNEL_MIN_PRIORITY <= self.min_priority <=
                self.max_priority <= KERNEL_MAX_PRIORITY):
            raise errors.InvalidHostConfig(
                '[rtnova] min_realtime_priority',
                'the range %d-%d is empty or outside 1-99' % (
                    self.min_priority, self.max_priority),
                'keep 1 <= min_realtime_priority <= max_realtime_priority '
                '<= 99')
        if not (self.min_priority <= self.default_priority <=
                self.max_priority):
            raise errors.InvalidHostConfig(
                '[rtnova] default_realtime_priority',
                '%d is outside min_realtime_priority-max_realtime_priority '
                '(%d-%d)' % (self.default_priority, self.min_priority,
                             self.max_priority),
                'pick a default inside the range or widen the range')


@dataclasses.dataclass(frozen=True)
class RealtimeRequest:
    vcpus: int
    memory_mb: int
    realtime: bool
    rt_vcpus: frozenset
    non_rt_vcpus: frozenset
    # scheduler policy and priority of the real-time vCPUs (None if not RT)
    rt_policy: str
    rt_priority: int
    # (policy, priority) for <emulatorsched>/<iothreadsched>, or None to
    # leave the threads at SCHED_OTHER
    emulator_sched: tuple
    iothread_sched: tuple
    locked_memory: bool
    # None when nova would create no guest NUMA topology
    topology: guest.GuestTopology
    # units of CUSTOM_RT_EMULATOR_POOL the flavor requests
    pool_units: int = 0
    # nova's hw:emulator_threads_policy (also on the topology, if any)
    emulator_policy: str = None
    # vCPUs whose host CPUs take the guest's PCI interrupts
    # (hw:pci_irq_affinity_mask; empty: interrupts are left alone)
    irq_vcpus: frozenset = frozenset()


def _pool_units(extra):
    total, key = 0, None
    for name, value in extra.items():
        if not _POOL_KEY_RE.match(name):
            continue
        amount = specs_mod.parse_int(
            name, value, 'request one unit: %s=1' % name)
        if amount < 0:
            raise errors.InvalidRequest(
                name, 'a negative amount', 'request one unit: %s=1' % name)
        total += amount
        key = key or name
    return total, key


def _check_pool(units, key, policy, emulator):
    if not units:
        return
    if policy not in (policies.DEDICATED, policies.MIXED):
        raise errors.InvalidRequest(
            key, 'the emulator pool carries the emulator threads of pinned '
            'guests, but hw:cpu_policy is %s' % (policy or 'not set'),
            'set hw:cpu_policy=dedicated, or drop %s' % key)
    if emulator == policies.EMULATOR_ISOLATE:
        raise errors.InvalidRequest(
            key, 'hw:emulator_threads_policy=isolate reserves a pCPU for '
            'the emulator threads that the pool makes useless',
            'use hw:emulator_threads_policy=share with the pool')


def _bounded_priority(key, priority, limits):
    if priority < limits.min_priority or priority > limits.max_priority:
        side = ('above the operator maximum %d ([rtnova] '
                'max_realtime_priority)' % limits.max_priority
                if priority > limits.max_priority else
                'below the operator minimum %d ([rtnova] '
                'min_realtime_priority)' % limits.min_priority)
        raise errors.InvalidRequest(
            key, 'priority %d is %s' % (priority, side),
            'use a priority from %d to %d' % (limits.min_priority,
                                              limits.max_priority))
    return priority


def parse_sched(key, value, limits):
    """``fifo:N`` / ``rr:N`` -> (policy, N); ``other`` -> None."""
    fix = "use fifo:N or rr:N with N from %d to %d, or other" % (
        limits.min_priority, limits.max_priority)
    text = str(value).strip()
    if text == policies.SCHED_OTHER:
        return None
    policy, sep, priority = text.partition(':')
    if policy not in policies.REALTIME_SCHED or not sep:
        raise errors.InvalidRequest(
            key, '%r is not a scheduler setting' % (value,), fix)
    priority = specs_mod.parse_int(key, priority, fix)
    return policy, _bounded_priority(key, priority, limits)


def _refuse_without_realtime(specs):
    for name in NEW_KEYS:
        key = specs_mod.flavor_key(name)
        if key in specs.extra:
            raise errors.InvalidRequest(
                key, 'it applies to real-time vCPUs but the flavor does '
                'not set hw:cpu_realtime=yes',
                'set hw:cpu_realtime=yes or remove %s' % key)


def _realtime_controls(specs, limits):
    fix_conflict = 'set it in the flavor or the image, not both'
    key, policy = specs.unique(RT_POLICY, fix_conflict)
    if policy is None:
        policy = limits.default_policy
    else:
        policy = specs_mod.parse_enum(key, policy, policies.REALTIME_SCHED)
    key, priority = specs.unique(RT_PRIORITY, fix_conflict)
    if priority is None:
        priority = limits.default_priority
    else:
        priority = _bounded_priority(key, specs_mod.parse_int(
            key, priority, 'use a priority from %d to %d' % (
                limits.min_priority, limits.max_priority)), limits)
    scheds = []
    for name in (EMULATOR_SCHED, IOTHREAD_SCHED):
        key, value = specs.unique(name, fix_conflict)
        scheds.append(None if value is None else
                      parse_sched(key, value, limits))
    return policy, priority, scheds[0], scheds[1]


def build_request(vcpus, memory_mb, extra_specs, image_props,
                  limits=PriorityLimits()):
    """Build the :class:`RealtimeRequest`, or refuse it.

    :param extra_specs: the flavor's extra specs (strings)
    :param image_props: the image's properties, as glance has them
    :raises errors.InvalidRequest: naming the key and the fix
    """
    specs = specs_mod.Specs(extra_specs, image_props)
    constraints.check_image_types(specs)
    policy, thread, emulator, rt, pinned = constraints.resolve(specs, vcpus)
    nodes = guest_numa.node_count(specs)
    pagesize = guest_numa.page_size(specs)
    pmem = [label for label in (specs.flavor('pmem') or '').split(',')
            if label.strip()]
    locked = guest_numa.locked_memory(specs)
    units, pool_key = _pool_units(specs.extra)
    _check_pool(units, pool_key, policy, emulator)

    topology = None
    # nova's four reasons to give a guest NUMA cells
    if nodes or pagesize or pmem or policy in (policies.DEDICATED,
                                               policies.MIXED):
        if thread == '':
            # nova keeps the empty string and its NUMA cell refuses it
            specs_mod.parse_enum('hw:cpu_thread_policy', thread,
                                 policies.THREAD_POLICIES)
        if policy == policies.DEDICATED:
            pinned = frozenset(range(vcpus))
        cells = guest_numa.numa_layout(nodes, vcpus, memory_mb,
                                       frozenset(pinned or ()), specs)
        page_kb = None if pagesize is None else int(pagesize)
        topology = guest.GuestTopology(
            cells=tuple(guest.GuestCell(id=i, cpus=c, pcpus=p, memory_mb=m,
                                        pagesize_kb=page_kb)
                        for i, c, p, m in cells),
            cpu_policy=policy, thread_policy=thread,
            emulator_policy=emulator, pool_units=units)

    every = frozenset(range(vcpus))
    irq_vcpus = pci_irq.irq_vcpus(
        specs.extra, vcpus, every if policy == policies.DEDICATED else
        frozenset(pinned or ()) if policy == policies.MIXED else
        frozenset())
    if rt is None:
        _refuse_without_realtime(specs)
        rt_policy = rt_priority = emulator_sched = iothread_sched = None
        rt = frozenset()
    else:
        rt_policy, rt_priority, emulator_sched, iothread_sched = (
            _realtime_controls(specs, limits))
    return RealtimeRequest(
        vcpus=vcpus, memory_mb=memory_mb, realtime=bool(rt),
        rt_vcpus=frozenset(rt), non_rt_vcpus=every - rt,
        rt_policy=rt_policy, rt_priority=rt_priority,
        emulator_sched=emulator_sched, iothread_sched=iothread_sched,
        locked_memory=locked, topology=topology, pool_units=units,
        emulator_policy=emulator, irq_vcpus=irq_vcpus)
