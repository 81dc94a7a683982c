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

"""The tuning plan: where a guest's threads run and how its memory is backed.

Pure: from the real-time request, the pinning nova's claim recorded and the
host's layout, compute the plain data the guest XML is rendered from
(``<cputune>``, ``<numatune>``, ``<memoryBacking>``, latency features). The
compute driver and ``rtnova-plan`` both render this plan, so what an
operator previews is what the guest gets.

The plan never re-pins vCPUs: it renders the pinning of the claim (see the
design notes: re-pinning would desynchronise nova's accounting).
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class ThreadSched:
    """A scheduler policy for a group of host threads."""

    policy: str
    priority: int = None


@dataclasses.dataclass(frozen=True)
class VcpuSched:
    vcpus: frozenset
    policy: str
    priority: int


@dataclasses.dataclass(frozen=True)
class HugePage:
    size_kb: int
    guest_cells: frozenset


@dataclasses.dataclass(frozen=True)
class LatencyFeatures:
    """Guest features libvirt's KVM real-time guide recommends."""

    pmu_off: bool = True
    no_memballoon: bool = True
    no_usb: bool = True
    # [rtnova] realtime_lock_memory: off only where RLIMIT_MEMLOCK cannot
    # be raised (nova itself always locks real-time guests' memory)
    lock_memory: bool = True


@dataclasses.dataclass(frozen=True)
class TuningPlan:
    # ((vcpu, frozenset(host cpus)), ...) sorted by vCPU
    vcpupin: tuple
    emulatorpin: frozenset
    # ((iothread id, frozenset(host cpus)), ...)
    iothreadpin: tuple
    vcpusched: tuple
    emulatorsched: ThreadSched = None
    iothreadsched: ThreadSched = None
    # ((guest cell, host cell), ...), all mode='strict'
    memnodes: tuple = ()
    hugepages: tuple = ()
    nosharepages: bool = False
    locked: bool = False
    features: LatencyFeatures = None
    # True when the emulator/I/O threads sit on the emulator pool
    uses_pool: bool = False

    @property
    def memory_nodeset(self):
        return frozenset(host for _guest, host in self.memnodes)


def thread_sched(value):
    """The request's ``(policy, priority)`` pair as a :class:`ThreadSched`."""
    if value is None:
        return None
    policy, priority = value
    return ThreadSched(policy, priority)


def _hugepages(cells, small_page_kb):
    pages = []
    for cell in cells:
        if cell.pagesize_kb and cell.pagesize_kb > small_page_kb:
            pages.append(HugePage(cell.pagesize_kb,
                                  frozenset([cell.guest_cell])))
    return tuple(pages)


def plan(request, placement, iothreads=1, small_page_kb=4, features=None):
    """Compute the :class:`TuningPlan` of one guest.

    :param request: the ``rtnova.hardware.request.RealtimeRequest``.
    :param placement: the guest's ``placement.Placement`` (from the fit, or
        from the claim nova recorded).
    :param iothreads: how many I/O threads the guest has.
    :param small_page_kb: the host's small page size (not a hugepage).
    :param features: the :class:`LatencyFeatures` switched on by the
        operator (applied to real-time guests only).
    """
    cells = tuple(sorted(placement.cells, key=lambda c: c.guest_cell))
    realtime = bool(request.realtime)
    rt_vcpus = frozenset(request.rt_vcpus or ()) if realtime else frozenset()

    vcpupin = tuple(sorted(
        ((vcpu, cell.cpus_of(vcpu)) for cell in cells
         for vcpu in cell.vcpus), key=lambda pin: pin[0]))
    emulator_cpus = placement.emulator_cpus(rt_vcpus)
    iothreadpin = tuple((i + 1, emulator_cpus) for i in range(iothreads))

    vcpusched = ()
    if rt_vcpus:
        # the request always carries a priority for real-time vCPUs (the
        # operator's default when the flavor names none)
        vcpusched = (VcpuSched(rt_vcpus, request.rt_policy,
                               int(request.rt_priority)),)

    return TuningPlan(
        vcpupin=vcpupin,
        emulatorpin=emulator_cpus,
        iothreadpin=iothreadpin,
        vcpusched=vcpusched,
        emulatorsched=thread_sched(request.emulator_sched),
        iothreadsched=thread_sched(request.iothread_sched),
        memnodes=tuple((c.guest_cell, c.host_cell) for c in cells),
        hugepages=_hugepages(cells, small_page_kb),
        nosharepages=realtime,
        locked=(realtime and (features is None or features.lock_memory)) or
        bool(request.locked_memory),
        features=(features or LatencyFeatures()) if realtime else None,
        uses_pool=placement.uses_pool,
    )
