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

"""The host model: NUMA cells, CPU sets, hugepages, and the emulator pool.

Built either from a plain host description (a dict, as in the planner's
host files and the embedded sample host) or, by the nova adapters, from the
compute node's ``NUMATopology``. Frozen: a placement produces a new host
state rather than mutating this one.
"""

import dataclasses
import functools

from rtnova.hardware import cpuset as cpuset_mod


@dataclasses.dataclass(frozen=True)
class MemPages:
    """Pages of one size on one host cell (sizes in KiB, like nova)."""

    size_kb: int
    total: int
    used: int = 0
    reserved: int = 0

    @property
    def free(self):
        return self.total - self.used - self.reserved


@dataclasses.dataclass(frozen=True)
class HostCell:
    id: int
    # every online CPU of the cell
    cpus: frozenset
    # the CPUs of cpu_dedicated_set (or vcpu_pin_set) in this cell
    pcpuset: frozenset
    # the CPUs of cpu_shared_set in this cell
    cpuset: frozenset
    memory_mb: int
    siblings: tuple = ()
    mempages: tuple = ()
    pinned_cpus: frozenset = frozenset()
    memory_usage_mb: int = 0
    cpu_usage: int = 0

    # The cached properties below are derived once per (immutable) cell:
    # the scheduler asks them for every request, on thousands of hosts.

    @functools.cached_property
    def free_pcpus(self):
        # nova's expression (``NUMACell.free_pcpus``): the fit depends on
        # the iteration order of this very set
        return self.pcpuset - self.pinned_cpus or set()

    @functools.cached_property
    def avail_memory_mb(self):
        return self.memory_mb - self.memory_usage_mb

    @functools.cached_property
    def pagesizes_desc(self):
        return sorted((p.size_kb for p in self.mempages), reverse=True)

    @functools.cached_property
    def has_threads(self):
        return any(len(s) > 1 for s in self.siblings)

    @functools.cached_property
    def threads_per_core(self):
        # nova: ``max(map(len, host_cell.siblings)) or 1``
        return max(map(len, self.siblings)) or 1

    @functools.cached_property
    def sibling_sets(self):
        """nova's ``sibling_sets`` of ``_pack_instance_onto_cores``.

        For n, the free parts of sibling sets with at least n free threads,
        built with nova's set operations (pinning follows their order).
        Read only: use ``.get(n, [])`` where nova indexes its defaultdict.
        """
        sets = {}
        free = self.free_pcpus
        for sib in self.siblings:
            sib = sib & free
            for threads_no in range(1, len(sib) + 1):
                sets.setdefault(threads_no, []).append(sib)
        return sets


@dataclasses.dataclass(frozen=True)
class HostTopology:
    name: str
    cells: tuple
    # CPUs of [rtnova] emulator_pin_set; empty means "no pool"
    emulator_pool: frozenset = frozenset()
    # pool capacity in guest units, and units in use
    pool_capacity: int = 0
    pool_used: int = 0

    @functools.cached_property
    def has_threads(self):
        return any(c.has_threads for c in self.cells)

    @functools.cached_property
    def siblings_known(self):
        """nova's pinning needs thread siblings on every cell."""
        return all(c.siblings for c in self.cells)

    @functools.cached_property
    def shared_cpus(self):
        return frozenset().union(*(c.cpuset for c in self.cells))

    @functools.cached_property
    def memo(self):
        """Per-object scratch space for derived data (host cell orders)."""
        return {}

    @property
    def dedicated_cpus(self):
        return frozenset().union(*(c.pcpuset for c in self.cells))

    def cell_of_cpu(self, cpu):
        for cell in self.cells:
            if cpu in cell.cpus:
                return cell.id
        return None


def _cpus(value, option):
    return cpuset_mod.parse_cpu_option(value, option)


def nova_siblings(cpus, groups, usable):
    """A cell's thread sibling list in the order nova's libvirt driver
    builds it (``LibvirtDriver._get_host_numa_topology``).

    nova pins vCPUs to free siblings in that list's order, so a planner that
    wants nova's pinning must order them the same way: libvirt reports each
    CPU (by id) with its sibling set, nova de-duplicates them through a
    ``set`` of tuples (hash order) and ``sorted``s the sets (by subset, so
    disjoint sets keep that order), then drops CPUs it may not use.

    :param cpus: the cell's CPUs
    :param groups: the cell's thread sibling sets (default: one per CPU)
    :param usable: the CPUs nova may use (shared and dedicated sets)
    """
    by_cpu = {}
    for group in groups:
        for cpu in group:
            by_cpu[cpu] = group
    as_reported = set(
        tuple(set(sorted(by_cpu.get(cpu, (cpu,))))) for cpu in sorted(cpus))
    ordered = sorted(set(group) for group in as_reported)
    return tuple(frozenset(group & usable) for group in ordered
                 if group & usable)


def from_description(desc):
    """Build a :class:`HostTopology` from a plain host description.

    ``desc`` has ``name``, ``cells`` (each: ``id``, ``cpus``, ``memory_mb``,
    optional ``siblings`` (list of CPU specs), ``mempages`` ({size_kb:
    total}), ``pinned_cpus``, ``used_pages`` ({size_kb: used})) and
    ``config`` with nova's ``cpu_dedicated_set``/``vcpu_pin_set``,
    ``cpu_shared_set`` and rtnova's ``emulator_pin_set`` and
    ``emulator_pool_guests_per_cpu``.
    """
    config = desc.get('config', {})
    dedicated = _cpus(config.get('cpu_dedicated_set') or
                      config.get('vcpu_pin_set'), 'cpu_dedicated_set')
    shared = _cpus(config.get('cpu_shared_set'), 'cpu_shared_set')
    pool = _cpus(config.get('emulator_pin_set'), 'emulator_pin_set')
    per_cpu = int(config.get('emulator_pool_guests_per_cpu', 20))
    cells = []
    for cell in desc['cells']:
        cpus = _cpus(cell['cpus'], 'cells[%s].cpus' % cell['id'])
        used_pages = {int(k): v for k, v in
                      cell.get('used_pages', {}).items()}
        mempages = tuple(
            MemPages(size_kb=int(size), total=int(total),
                     used=int(used_pages.get(int(size), 0)))
            for size, total in sorted(cell.get('mempages', {}).items(),
                                      key=lambda kv: int(kv[0])))
        cells.append(HostCell(
            id=int(cell['id']),
            cpus=cpus,
            pcpuset=cpus & dedicated,
            cpuset=cpus & shared,
            memory_mb=int(cell['memory_mb']),
            # no sibling list: no SMT, every CPU its own core (what
            # libvirt reports then)
            siblings=nova_siblings(
                cpus, [_cpus(s, 'siblings') for s in
                       cell.get('siblings', ())], dedicated | shared),
            mempages=mempages,
            pinned_cpus=_cpus(cell.get('pinned_cpus'), 'pinned_cpus'),
        ))
    return HostTopology(
        name=desc.get('name', 'host'),
        cells=tuple(cells),
        emulator_pool=pool,
        pool_capacity=len(pool) * per_cpu,
        pool_used=int(desc.get('pool_used', 0)),
    )
