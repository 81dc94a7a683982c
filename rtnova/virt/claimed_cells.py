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

"""nova's NUMA objects as the plain inputs of ``rtnova.hardware.tuning``.

Reads what nova's claim recorded (``instance.numa_topology``) and what the
host has (libvirt capabilities, nova's host ``NUMATopology``); decides
nothing.
"""

from rtnova.hardware import emulator
from rtnova.hardware import host_topology as host_mod
from rtnova.hardware import placement


def _cell_cpu_ids(caps_cell):
    return frozenset(cpu.id for cpu in caps_cell.cpus)


def claimed_placement(instance_topology, host_topology, host, pool_units):
    """The :class:`placement.Placement` nova's claim recorded.

    ``InstanceNUMACell.id`` is the host cell the claim chose; vCPUs without
    a pinning float over that host cell's shared CPUs, as in nova's
    ``_get_pin_cpuset``.

    :param host: the :func:`host_layout` of this host (pool locality)
    :param pool_units: units of the emulator pool the guest holds
    """
    shared = {cell.id: frozenset(cell.cpuset) for cell in host_topology.cells}
    cells = []
    for index, cell in enumerate(instance_topology.cells):
        reserved = (cell.cpuset_reserved
                    if 'cpuset_reserved' in cell and cell.cpuset_reserved
                    else ())
        cells.append(placement.CellPlacement(
            guest_cell=index,
            host_cell=cell.id,
            vcpus=frozenset(cell.total_cpus),
            pinning=tuple(sorted((cell.cpu_pinning or {}).items())),
            floating_cpus=shared.get(cell.id, frozenset()),
            pagesize_kb=cell.pagesize,
            cpuset_reserved=frozenset(reserved),
        ))
    pool_cpus = frozenset()
    if pool_units and host.emulator_pool:
        pool_cpus = emulator.local_pool_cpus(host, {c.host_cell
                                                    for c in cells})
    policy = (instance_topology.emulator_threads_policy
              if 'emulator_threads_policy' in instance_topology else None)
    return placement.Placement(
        cells=tuple(cells), emulator_policy=policy, pool_units=pool_units,
        pool_cpus=pool_cpus, shared_cpus=host.shared_cpus)


def host_layout(caps_topology, host_topology, online, shared, pool):
    """A ``HostTopology`` with the facts the tuning plan reads.

    :param caps_topology: libvirt capabilities' ``host.topology``
    :param host_topology: nova's host ``NUMATopology``
    :param online: online host CPUs
    :param shared: ``[compute] cpu_shared_set`` (nova's emulator CPUs for
        ``hw:emulator_threads_policy=share``)
    :param pool: the parsed ``[rtnova] emulator_pin_set``
    """
    dedicated = {c.id: frozenset(c.pcpuset) for c in host_topology.cells}
    cells = []
    for caps_cell in caps_topology.cells:
        cpus = _cell_cpu_ids(caps_cell) & frozenset(online)
        cells.append(host_mod.HostCell(
            id=caps_cell.id,
            cpus=cpus,
            pcpuset=dedicated.get(caps_cell.id, frozenset()),
            cpuset=cpus & frozenset(shared),
            memory_mb=(caps_cell.memory or 0) // 1024,
        ))
    return host_mod.HostTopology(name='', cells=tuple(cells),
                                 emulator_pool=frozenset(pool))


def small_page_kb(host_topology):
    """The host's small page size (nova: the smallest size of cell 0)."""
    sizes = sorted(page.size_kb for page in host_topology.cells[0].mempages)
    return sizes[0] if sizes else 4
