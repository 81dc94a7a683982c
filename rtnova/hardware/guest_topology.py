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

"""The guest side of a fit: the NUMA cells a guest asks for.

Mirrors what nova keeps in ``InstanceNUMATopology`` (so the scheduler filter
can build it from the request spec without parsing extra specs again), as
plain frozen data.
"""

import dataclasses

# nova's symbolic page sizes (nova.objects.fields / InstanceNUMACell)
MEMPAGES_SMALL = -1
MEMPAGES_LARGE = -2
MEMPAGES_ANY = -3


@dataclasses.dataclass(frozen=True)
class GuestCell:
    id: int
    # vCPUs of this cell that float over the shared set (nova's ``cpuset``)
    cpus: frozenset
    # vCPUs of this cell pinned to dedicated pCPUs (nova's ``pcpuset``)
    pcpus: frozenset
    memory_mb: int
    # None, a MEMPAGES_* constant, or a page size in KiB
    pagesize_kb: int = None

    @property
    def vcpus(self):
        return self.cpus | self.pcpus


@dataclasses.dataclass(frozen=True)
class GuestTopology:
    cells: tuple
    # 'dedicated', 'mixed', 'shared' or None (nova's hw:cpu_policy)
    cpu_policy: str = None
    # 'prefer', 'isolate', 'require' or None (nova's hw:cpu_thread_policy)
    thread_policy: str = None
    # 'share', 'isolate' or None (nova's hw:emulator_threads_policy)
    emulator_policy: str = None
    # units of the emulator pool (resources:CUSTOM_RT_EMULATOR_POOL)
    pool_units: int = 0

    @property
    def vcpus(self):
        return sum(len(c.vcpus) for c in self.cells)
