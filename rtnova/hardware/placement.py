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

"""Where a guest landed on a host: the result of a fit or of nova's claim.

The fit (:mod:`rtnova.hardware.fit`) produces a :class:`Placement`; the
compute driver builds the same object from the claim nova recorded
(``instance.numa_topology``); the tuning plan renders either. One type for
both, so the planner's preview and the driver's guest cannot diverge.
"""

import dataclasses

from rtnova.hardware import emulator


@dataclasses.dataclass(frozen=True)
class CellPlacement:
    """One guest NUMA cell on its host cell.

    Pinned vCPUs map to one host CPU each (``pinning``); the other vCPUs of
    the cell (the shared part of a ``mixed`` guest) float over
    ``floating_cpus``, the host cell's ``cpu_shared_set``.
    """

    guest_cell: int
    host_cell: int
    vcpus: frozenset = frozenset()
    # ((vcpu, pcpu), ...) sorted by vCPU
    pinning: tuple = ()
    floating_cpus: frozenset = frozenset()
    # the page size in KiB nova records, or None (the host's small pages)
    pagesize_kb: int = None
    # nova's cpuset_reserved (hw:emulator_threads_policy=isolate)
    cpuset_reserved: frozenset = frozenset()

    @property
    def pcpus(self):
        return frozenset(p for _, p in self.pinning)

    def cpus_of(self, vcpu):
        """The host CPUs ``vcpu`` may run on."""
        for pinned, pcpu in self.pinning:
            if pinned == vcpu:
                return frozenset([pcpu])
        return self.floating_cpus


@dataclasses.dataclass(frozen=True)
class Placement:
    # CellPlacement per guest cell, in guest cell order
    cells: tuple
    # nova's hw:emulator_threads_policy of the guest
    emulator_policy: str = None
    # units of the emulator pool consumed (0: nova's own semantics)
    pool_units: int = 0
    # the pool CPUs this guest's emulator and I/O threads use (empty: none)
    pool_cpus: frozenset = frozenset()
    # the host's cpu_shared_set (nova's CPUs for emulator policy 'share')
    shared_cpus: frozenset = frozenset()

    @property
    def cpuset_reserved(self):
        return frozenset().union(*(c.cpuset_reserved for c in self.cells))

    @property
    def pcpus(self):
        return frozenset().union(*(c.pcpus for c in self.cells))

    @property
    def uses_pool(self):
        return bool(self.pool_cpus)

    def emulator_cpus(self, rt_vcpus=frozenset()):
        """Where the emulator and I/O threads run (see :mod:`emulator`)."""
        return emulator.thread_cpus(self, rt_vcpus)

    def __bool__(self):
        return True
