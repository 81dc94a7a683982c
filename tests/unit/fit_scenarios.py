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

"""Random hosts and requests for the fit tests, the benchmark and the
packing simulation (tools/ import this module too).

Hosts are built the way the libvirt driver reports them: CPU ids numbered
like real machines (thread siblings ``c`` and ``c + cores``), a dedicated
set, optionally a shared set and an emulator pool, 4 KiB/2 MiB/1 GiB pages,
and random usage (pinned pCPUs, used pages, memory) from empty to full.
Requests cover nova's CPU, thread, emulator and page size policies and
uneven cells. Both come as nova objects *and* as rtnova's plain data, so a
test can feed the same host to nova and to rtnova.
"""

from nova import objects
from nova.objects import fields

from rtnova.hardware import fit as fit_mod
from rtnova.hardware import guest_topology as guest_mod
from rtnova.scheduler import host_model

objects.register_all()

PAGE_2M = 2048
PAGE_1G = 1048576


def random_host(rng, nodes=None, cores=None, smt=None, fill=None,
                pool=True, shared=None):
    """A nova ``NUMATopology`` with random usage, and its pool CPUs."""
    nodes = nodes or rng.choice([1, 1, 2, 2, 2, 4, 4, 8, 16])
    cores = cores or rng.choice([2, 3, 4, 6, 8])
    smt = rng.random() < 0.5 if smt is None else smt
    fill = rng.random() if fill is None else fill
    shared = rng.random() < 0.3 if shared is None else shared
    total_cores = nodes * cores
    cells, pool_cpus = [], set()
    for node in range(nodes):
        core_ids = range(node * cores, (node + 1) * cores)
        siblings = [{c, c + total_cores} if smt else {c} for c in core_ids]
        cpus = set().union(*siblings)
        # first core: host housekeeping (and the pool); second core shared
        housekeeping = siblings[0]
        if pool:
            pool_cpus |= housekeeping
        cpuset = set(siblings[1]) if shared and cores > 2 else set()
        pcpuset = cpus - housekeeping - cpuset
        pinned = set()
        for sib in siblings:
            if sib <= pcpuset and rng.random() < fill:
                pinned |= sib if rng.random() < 0.5 else {min(sib)}
        memory = rng.choice([8192, 16384, 32768])
        gigs = rng.choice([0, 0, 2, 4, 8])
        huge2m = rng.choice([0, 0, 1024, 2048])
        small = (memory * 1024 - gigs * PAGE_1G - huge2m * PAGE_2M) // 4
        mempages = [objects.NUMAPagesTopology(
            size_kb=4, total=small,
            used=int(small * fill * rng.random()), reserved=0)]
        if huge2m:
            mempages.append(objects.NUMAPagesTopology(
                size_kb=PAGE_2M, total=huge2m,
                used=int(huge2m * fill * rng.random()), reserved=0))
        if gigs:
            mempages.append(objects.NUMAPagesTopology(
                size_kb=PAGE_1G, total=gigs,
                used=int(gigs * fill * rng.random()), reserved=0))
        cells.append(objects.NUMACell(
            id=node, cpuset=cpuset, pcpuset=pcpuset, memory=memory,
            cpu_usage=rng.randint(0, 4) if cpuset else 0,
            memory_usage=int(memory * fill * rng.random()),
            pinned_cpus=pinned, siblings=siblings, mempages=mempages,
            socket=0))
    return objects.NUMATopology(cells=cells), frozenset(pool_cpus)


def random_request(rng, max_cells=4, vcpus=None, policy=None):
    """A nova ``InstanceNUMATopology`` as the API would build it."""
    ncells = rng.choice([1, 1, 1, 2, 2, 3, 4][:max(1, max_cells + 3)])
    ncells = min(ncells, max_cells)
    policy = policy or rng.choice(['dedicated'] * 6 + ['mixed', 'shared'])
    thread = rng.choice([None, None, 'prefer', 'isolate', 'require'])
    emulator = rng.choice([None, None, 'share', 'isolate'])
    if policy != 'dedicated':
        thread, emulator = None, None
    pagesize = rng.choice([None, None, -1, -2, -3, PAGE_2M, PAGE_1G])
    even = rng.random() < 0.6
    cells, vcpu = [], 0
    per_cell = vcpus // ncells if vcpus else rng.choice([1, 2, 3, 4])
    for i in range(ncells):
        n = per_cell if even or vcpus else rng.choice([1, 2, 3, 4])
        ids = set(range(vcpu, vcpu + n))
        vcpu += n
        if policy == 'dedicated':
            cpuset, pcpuset = set(), ids
        elif policy == 'shared':
            cpuset, pcpuset = ids, set()
        else:
            first = min(ids)
            cpuset, pcpuset = {first}, ids - {first}
        memory = 1024 * (rng.choice([1, 2, 4]) if not even or i == 0
                         else 1) if not even else 1024 * 2
        cell = objects.InstanceNUMACell(
            id=i, cpuset=cpuset, pcpuset=pcpuset, memory=memory,
            cpu_policy=(policy if policy != 'shared' else None),
            cpu_thread_policy=thread)
        if pagesize:
            cell.pagesize = pagesize
        cells.append(cell)
    topo = objects.InstanceNUMATopology(cells=cells)
    if emulator:
        topo.emulator_threads_policy = emulator
    return topo


def rt_request(vcpus=4, cells=1, pagesize=PAGE_1G, memory_mb=None,
               emulator='share', pool_units=0):
    """The benchmark's real-time request as nova builds it."""
    per = vcpus // cells
    memory_mb = memory_mb or 1024 * cells
    topo = objects.InstanceNUMACell
    inst = objects.InstanceNUMATopology(cells=[
        topo(id=i, cpuset=set(), pcpuset=set(range(i * per, (i + 1) * per)),
             memory=memory_mb // cells, pagesize=pagesize,
             cpu_policy=fields.CPUAllocationPolicy.DEDICATED,
             cpu_thread_policy=None)
        for i in range(cells)])
    if emulator:
        inst.emulator_threads_policy = emulator
    return inst


def plain_host(numa_topology, pool_cpus=frozenset(), per_cpu=20,
               pool_used=0):
    return host_model.host_from_nova(
        numa_topology, emulator_pool=pool_cpus,
        pool_capacity=len(pool_cpus) * per_cpu, pool_used=pool_used)


def plain_guest(instance_topology, pool_units=0):
    return host_model.guest_from_nova(instance_topology,
                                      pool_units=pool_units)


def nova_limits(limits):
    return objects.NUMATopologyLimits(
        cpu_allocation_ratio=limits.cpu_allocation_ratio,
        ram_allocation_ratio=limits.ram_allocation_ratio)


LIMITS = fit_mod.Limits(cpu_allocation_ratio=4.0, ram_allocation_ratio=1.5)


def nova_answer(result):
    """nova's fit result in rtnova's comparable form, or None."""
    if result is None:
        return None
    return tuple(
        (c.id, tuple(sorted((c.cpu_pinning or {}).items())),
         c.pagesize if 'pagesize' in c and c.pagesize else None,
         frozenset(c.cpuset_reserved or ()))
        for c in result.cells)


def rtnova_answer(placement):
    if not placement:
        return None
    return tuple((c.host_cell, c.pinning, c.pagesize_kb, c.cpuset_reserved)
                 for c in placement.cells)


def guest_of(topology):
    """A GuestTopology without a pool (nova semantics)."""
    return guest_mod.GuestTopology(
        cells=topology.cells, cpu_policy=topology.cpu_policy,
        thread_policy=topology.thread_policy,
        emulator_policy=topology.emulator_policy)


def host_state(numa_topology, name='host', cpu_ratio=4.0, ram_ratio=1.5,
               candidates=1):
    """A real nova scheduler ``HostState`` carrying ``numa_topology``."""
    from nova.scheduler import host_manager
    state = host_manager.HostState(name, name, 'cell1')
    state.numa_topology = numa_topology
    state.cpu_allocation_ratio = cpu_ratio
    state.ram_allocation_ratio = ram_ratio
    state.allocation_candidates = [
        {'mappings': {}, 'allocations': {}} for _ in range(candidates)]
    return state


def request_spec(instance_topology, extra_specs=None, image_props=None):
    """A real nova ``RequestSpec`` as the conductor hands it over."""
    from oslo_utils import uuidutils
    return objects.RequestSpec(
        numa_topology=instance_topology,
        pci_requests=objects.InstancePCIRequests(requests=[]),
        instance_uuid=uuidutils.generate_uuid(),
        flavor=objects.Flavor(extra_specs=dict(extra_specs or {})),
        image=objects.ImageMeta(properties=objects.ImageMetaProps(
            **(image_props or {}))))


def extra_specs_of(instance_topology):
    """The flavor extra specs ``_satisfies_cpu_policy`` reads."""
    cell = instance_topology.cells[0]
    specs = {}
    if cell.cpu_policy:
        specs['hw:cpu_policy'] = cell.cpu_policy
    if cell.cpu_thread_policy:
        specs['hw:cpu_thread_policy'] = cell.cpu_thread_policy
    return specs


def with_pool(guest, units=1):
    """``guest`` asking for ``resources:CUSTOM_RT_EMULATOR_POOL``."""
    import dataclasses
    return dataclasses.replace(guest, pool_units=units)


def broken_invariants(host, guest, placement):
    """Every invariant a placement must keep, as a list of violations.

    No pCPU double-booked (with other guests, between the guest's cells,
    or with its reserved pCPU); only dedicated pCPUs of the chosen cell;
    one host cell per guest cell; pool guests' emulator threads on pool
    CPUs only, never on the dedicated set; hugepages and pool not
    overcommitted (checked by applying the placement).
    """
    from tests.unit import host_usage as usage
    broken = []
    cells = {c.id: c for c in host.cells}
    seen = set()
    if len({c.host_cell for c in placement.cells}) != len(placement.cells):
        broken.append('two guest cells on one host cell')
    for guest_cell, placed in zip(guest.cells, placement.cells):
        hc = cells.get(placed.host_cell)
        if hc is None:
            broken.append('unknown host cell %s' % placed.host_cell)
            continue
        pcpus = [p for _, p in placed.pinning]
        if sorted(v for v, _ in placed.pinning) != sorted(guest_cell.pcpus):
            broken.append('cell %d: not every pinned vCPU placed' %
                          guest_cell.id)
        mine = set(pcpus) | placed.cpuset_reserved
        if len(pcpus) != len(set(pcpus)) or placed.cpuset_reserved & set(
                pcpus):
            broken.append('cell %d: pCPU used twice' % guest_cell.id)
        if mine - hc.pcpuset:
            broken.append('cell %d: pCPUs %s outside the dedicated set' %
                          (guest_cell.id, sorted(mine - hc.pcpuset)))
        if mine & hc.pinned_cpus:
            broken.append('cell %d: pCPUs %s already pinned' %
                          (guest_cell.id, sorted(mine & hc.pinned_cpus)))
        if mine & seen:
            broken.append('pCPUs shared between guest cells')
        seen |= mine
    if placement.pool_units:
        if not placement.emulator_cpus() <= host.emulator_pool:
            broken.append('emulator threads outside the pool')
        if placement.emulator_cpus() & host.dedicated_cpus:
            broken.append('emulator threads on the dedicated set')
        if host.pool_used + placement.pool_units > host.pool_capacity:
            broken.append('emulator pool overcommitted')
    try:
        usage.apply(host, guest, placement)
    except usage.Overcommit as exc:
        broken.append(str(exc))
    return broken


def nova_claim_fails(numa_topology, nova_result):
    """Whether nova's compute claim could not record ``nova_result``.

    ``numa_usage_from_instance_numa`` refuses its pinning. nova 34's
    permutation cache can produce such answers for uneven multi-cell
    guests; rtnova refuses those hosts instead of passing them.
    """
    from nova import exception
    from nova.virt import hardware
    if nova_result is None:
        return False
    try:
        hardware.numa_usage_from_instance_numa(numa_topology, nova_result)
    except (exception.CPUPinningInvalid, exception.CPUPinningUnknown):
        return True
    for cell in nova_result.cells:
        if set((cell.cpu_pinning or {}).keys()) != set(cell.pcpuset):
            return True
    return False
