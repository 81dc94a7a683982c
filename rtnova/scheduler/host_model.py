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

"""nova objects -> rtnova's plain host and guest models, in one place.

Used by the scheduler filter (thousands of hosts per request) and by the
driver (the host cells of an instance). Conversions are cached on the
identity of nova's object: nova replaces a host's ``numa_topology`` with a
new object whenever its usage changes (``HostState.update`` and
``consume_from_request`` both assign a fresh one), so identity is a sound
key. A weak reference guards against a recycled ``id()``.

The scheduler's screen (:mod:`rtnova.scheduler.host_screen`) reads nova's
host objects as they are, against a request's cell bounds, without
converting them: most hosts of a request are decided there.
"""

import operator
import weakref

from rtnova.hardware import guest_topology as guest_mod
from rtnova.hardware import host_topology as host_mod


class IdentityCache:
    """Maps a live object (by identity) to a value derived from it."""

    def __init__(self):
        self._entries = {}

    def lookup(self, obj):
        entry = self._entries.get(id(obj))
        if entry is not None and entry[0]() is obj:
            return entry[1]
        return None

    def get(self, obj, build):
        value = self.lookup(obj)
        if value is not None:
            return value
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


def _field(obj, name, default=None):
    """A versioned object's stored field (``_obj_<name>``), or ``default``
    when unset.

    Read as a plain attribute: nova's per-field properties cost more than
    the rest of the conversion, and ``vars()`` would give every object of
    every re-read host a dict of its own (Python 3.11 builds it on first
    use), thousands of new objects for the garbage collector per request.
    """
    return getattr(obj, '_obj_' + name, default)


def host_cell_from_nova(cell):
    """One ``objects.NUMACell`` -> :class:`host.HostCell`."""
    pcpuset = frozenset(_field(cell, 'pcpuset', ()))
    cpuset = frozenset(_field(cell, 'cpuset', ()))
    return host_mod.HostCell(
        id=cell._obj_id,
        cpus=cpuset | pcpuset,
        pcpuset=pcpuset,
        cpuset=cpuset,
        memory_mb=cell._obj_memory,
        # nova's own sibling sets, shared read-only: nova's pinning follows
        # their iteration order (``list(sibling_set)[:n]``), and a host has
        # one per core -- copying them was most of the conversion's cost
        siblings=tuple(_field(cell, 'siblings', ())),
        mempages=tuple(
            host_mod.MemPages(size_kb=p._obj_size_kb, total=p._obj_total,
                              used=_field(p, 'used', 0),
                              reserved=_field(p, 'reserved', 0))
            for p in _field(cell, 'mempages') or ()),
        pinned_cpus=frozenset(_field(cell, 'pinned_cpus') or ()),
        memory_usage_mb=_field(cell, 'memory_usage', 0),
        cpu_usage=_field(cell, 'cpu_usage', 0),
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


_plain_values = operator.attrgetter(
    '_obj_id', '_obj_memory', '_obj_cpu_usage', '_obj_memory_usage')
_set_values = operator.attrgetter('_obj_cpuset', '_obj_pcpuset',
                                  '_obj_pinned_cpus', '_obj_siblings')
_page_values = operator.attrgetter(
    '_obj_size_kb', '_obj_total', '_obj_used', '_obj_reserved')


def _cell_fingerprint(cell):
    """A cell's stored fields as tuples of ints, built in C loops.

    Frozen copies: nova changes some of these sets in place
    (``NUMACell.pin_cpus`` does ``pinned_cpus |= ...``), so a fingerprint
    holding nova's own sets would change along with the object and vouch
    for a stale conversion. Tuples of ints, not frozensets: the garbage
    collector stops tracking such tuples after their first collection, so
    thousands of fingerprints add nothing to the full collections a
    scheduler process pays for (frozensets stay tracked).
    """
    cpuset, pcpuset, pinned, siblings = _set_values(cell)
    return (_plain_values(cell), tuple(sorted(cpuset)),
            tuple(sorted(pcpuset)), tuple(sorted(pinned)),
            tuple(map(tuple, map(sorted, siblings))),
            tuple(map(_page_values, _field(cell, 'mempages') or ())))


def fingerprint(numa_topology):
    """Frozen copies of the stored fields the conversion reads.

    Comparing two of them (``==``) tells whether a re-read topology still
    has the content a conversion was made from.

    :raises AttributeError: when a field is unset.
    """
    return tuple(map(_cell_fingerprint, numa_topology._obj_cells))


class HostTopologyCache:
    """nova ``NUMATopology`` -> :class:`host.HostTopology`, converted once.

    Hit by identity first; else, when the caller names the node, by
    checking the new object against the fingerprint of the node's last
    conversion. The fingerprint holds frozen copies of nova's field values,
    never nova's objects or sets themselves.
    """

    def __init__(self):
        self._by_identity = IdentityCache()
        self._by_node = {}

    def get(self, numa_topology, node=None):
        topo = self._by_identity.lookup(numa_topology)
        if topo is not None:
            return topo
        previous = self._by_node.get(node) if node is not None else None
        try:
            known = fingerprint(numa_topology)
        except (AttributeError, TypeError):
            # an unset (or None) field: convert such a host every time
            known = None
        if (previous is not None and known is not None and
                previous[1] == known):
            topo = previous[0]
        else:
            topo = host_from_nova(numa_topology)
            if node is not None and known is not None:
                self._by_node[node] = (topo, known)
            elif node is not None:
                self._by_node.pop(node, None)
        self._by_identity.put(numa_topology, topo)
        return topo


_HOSTS = HostTopologyCache()


def cached_host(numa_topology, node=None):
    """The host model of ``numa_topology``.

    ``node`` (e.g. ``(host, nodename)``) lets a re-read but unchanged
    topology reuse its conversion.
    """
    return _HOSTS.get(numa_topology, node)
