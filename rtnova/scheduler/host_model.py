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


_plain_values = operator.itemgetter(
    '_obj_id', '_obj_memory', '_obj_cpu_usage', '_obj_memory_usage')
_set_values = operator.itemgetter('_obj_cpuset', '_obj_pcpuset',
                                  '_obj_pinned_cpus')
_page_values = operator.itemgetter(
    '_obj_size_kb', '_obj_total', '_obj_used', '_obj_reserved')


def _frozen_cell(fields):
    """A cell's stored fields as values no later change can reach.

    nova changes some of these sets in place (``NUMACell.pin_cpus`` does
    ``pinned_cpus |= ...``): a fingerprint holding nova's own sets would
    change along with the object and vouch for a stale conversion.
    """
    return (_plain_values(fields),
            tuple(frozenset(v) for v in _set_values(fields)),
            tuple(frozenset(s) for s in fields['_obj_siblings']),
            tuple(_page_values(vars(p))
                  for p in fields.get('_obj_mempages') or ()))


def fingerprint(numa_topology):
    """Frozen copies of the stored fields the conversion reads.

    :raises KeyError: when a field is unset (such a host is just converted
        every time).
    """
    return tuple(_frozen_cell(vars(cell))
                 for cell in vars(numa_topology)['_obj_cells'])


def _cell_matches(fields, known):
    plain, sets, siblings, pages = known
    # set == frozenset compares content, so nothing is copied here
    if _plain_values(fields) != plain or _set_values(fields) != sets:
        return False
    live = fields['_obj_siblings']
    if len(live) != len(siblings) or any(
            a != b for a, b in zip(live, siblings)):
        return False
    live_pages = fields.get('_obj_mempages') or ()
    return len(live_pages) == len(pages) and all(
        _page_values(vars(p)) == values
        for p, values in zip(live_pages, pages))


def matches(known, numa_topology):
    """Whether ``numa_topology`` still has the ``known`` fingerprint.

    Compares in place, live fields against the frozen ones: the scheduler
    re-reads every compute node's topology from the database for each
    request, so most hosts arrive as a new object with unchanged content.
    """
    try:
        cells = vars(numa_topology)['_obj_cells']
        return len(cells) == len(known) and all(
            _cell_matches(vars(cell), frozen)
            for cell, frozen in zip(cells, known))
    except KeyError:
        return False


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
        if previous is not None and matches(previous[1], numa_topology):
            topo = previous[0]
        else:
            topo = host_from_nova(numa_topology)
            if node is not None:
                try:
                    self._by_node[node] = (topo, fingerprint(numa_topology))
                except KeyError:
                    self._by_node.pop(node, None)
        self._by_identity.put(numa_topology, topo)
        return topo


def free_pcpu_counts(numa_topology):
    """Free dedicated pCPUs per host cell, read from nova's object as is."""
    counts = []
    for cell in vars(numa_topology).get('_obj_cells') or ():
        fields = vars(cell)
        pcpuset = fields.get('_obj_pcpuset') or frozenset()
        pinned = fields.get('_obj_pinned_cpus')
        if not pinned:
            counts.append(len(pcpuset))
        elif pinned <= pcpuset:
            counts.append(len(pcpuset) - len(pinned))
        else:
            counts.append(len(pcpuset - pinned))
    return counts


_HOSTS = HostTopologyCache()


def cached_host(numa_topology, node=None):
    """The host model of ``numa_topology``.

    ``node`` (e.g. ``(host, nodename)``) lets a re-read but unchanged
    topology reuse its conversion.
    """
    return _HOSTS.get(numa_topology, node)
