"""nova objects -> rtnova's plain host and guest models, in one place.

Used by the scheduler filter (thousands of hosts per request) and by the
driver (the host cells of an instance). Conversions are cached on the
identity of nova's object: nova replaces a host's ``numa_topology`` with a
new object whenever its usage changes (``HostState.update`` and
``consume_from_request`` both assign a fresh one), so identity is a sound
key. A weak reference guards against a recycled ``id()``.
"""

import weakref

from rtnova.hardware import guest as guest_mod
from rtnova.hardware import host as host_mod


class IdentityCache:
    """Maps a live object (by identity) to a value derived from it."""

    def __init__(self):
        self._entries = {}

    def get(self, obj, build):
        key = id(obj)
        entry = self._entries.get(key)
        if entry is not None and entry[0]() is obj:
            return entry[1]
        value = build(obj)
        self.put(obj, value)
        return value

    def put(self, obj, value):
        key = id(obj)
        entries = self._entries
        ref = weakref.ref(obj, lambda _r, k=key: entries.pop(k, None))
        entries[key] = (ref, value)

    def __len__(self):
        return len(self._entries)


def host_cell_from_nova(cell):
    """One ``objects.NUMACell`` -> :class:`host.HostCell`.

    Reads the versioned object's stored fields (``_obj_<name>``) directly:
    its per-field properties cost more than the rest of the conversion,
    and the scheduler converts thousands of hosts.
    """
    f = vars(cell)
    pcpuset = frozenset(f.get('_obj_pcpuset', ()))
    cpuset = frozenset(f.get('_obj_cpuset', ()))
    mempages = []
    for pages in f.get('_obj_mempages') or ():
        p = vars(pages)
        mempages.append(host_mod.MemPages(
            size_kb=p['_obj_size_kb'], total=p['_obj_total'],
            used=p.get('_obj_used', 0), reserved=p.get('_obj_reserved', 0)))
    return host_mod.HostCell(
        id=f['_obj_id'],
        cpus=cpuset | pcpuset,
        pcpuset=pcpuset,
        cpuset=cpuset,
        memory_mb=f['_obj_memory'],
        # nova's own sibling sets, shared read-only: nova's pinning follows
        # their iteration order (``list(sibling_set)[:n]``), and a host has
        # one per core -- copying them was most of the conversion's cost
        siblings=tuple(f.get('_obj_siblings', ())),
        mempages=tuple(mempages),
        pinned_cpus=frozenset(f.get('_obj_pinned_cpus') or ()),
        memory_usage_mb=f.get('_obj_memory_usage', 0),
        cpu_usage=f.get('_obj_cpu_usage', 0),
    )


def host_from_nova(numa_topology, name='host', emulator_pool=frozenset(),
                   pool_capacity=0, pool_used=0):
    """``objects.NUMATopology`` -> :class:`host.HostTopology`."""
    return host_mod.HostTopology(
        name=name,
        cells=tuple(host_cell_from_nova(c) for c in numa_topology.cells),
        emulator_pool=frozenset(emulator_pool),
        pool_capacity=pool_capacity, pool_used=pool_used)


def guest_from_nova(instance_topology, pool_units=0):
    """``objects.InstanceNUMATopology`` -> :class:`guest.GuestTopology`."""
    cells = instance_topology.cells
    first = cells[0]
    return guest_mod.GuestTopology(
        cells=tuple(
            guest_mod.GuestCell(
                id=c.id,
                cpus=frozenset(c.cpuset),
                pcpus=frozenset(c.pcpuset) if 'pcpuset' in c else
                frozenset(),
                memory_mb=c.memory,
                pagesize_kb=(c.pagesize if 'pagesize' in c and c.pagesize
                             else None))
            for c in cells),
        cpu_policy=first.cpu_policy if 'cpu_policy' in first else None,
        thread_policy=(first.cpu_thread_policy
                       if 'cpu_thread_policy' in first else None),
        emulator_policy=(instance_topology.emulator_threads_policy
                         if 'emulator_threads_policy' in instance_topology
                         else None),
        pool_units=pool_units)


def instance_host_cells(instance_topology):
    """The host NUMA cells a claimed instance occupies (the claim rewrote
    each instance cell's id to its host cell's id)."""
    if not instance_topology:
        return frozenset()
    return frozenset(c.id for c in instance_topology.cells)


_HOSTS = IdentityCache()
_GUESTS = IdentityCache()


def cached_host(numa_topology):
    return _HOSTS.get(numa_topology, host_from_nova)


def cached_guest(instance_topology):
    return _GUESTS.get(instance_topology, guest_from_nova)
