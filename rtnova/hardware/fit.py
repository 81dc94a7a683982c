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

"""Does a guest fit a host, and where exactly: ``fit(guest, host)``.

The answer must be the one nova's compute claim will record
(``numa_fit_instance_to_host``), or the scheduler passes hosts the claim
refuses and the planner shows pinnings nova never makes. So this module
reproduces nova's algorithm -- its host-cell ordering, its walk over
permutations of host cells in ``itertools.permutations`` order, its
per-pair caches keyed on the instance cell's *current* id (nova rewrites
that id as it goes) and the page size it fixes on the first cell offering
one -- without nova's permutation blow-up:

* A guest whose cells are interchangeable (same sizes, a concrete page size
  or none, no isolated emulator pCPU) fits iff at least as many host cells
  fit one of its cells; nova's cache quirks cannot change a verdict then,
  because every pair's verdict depends on the host cell only. A 16-node
  host that cannot take a 6-node guest is answered with 16 cell checks.
* Otherwise nova's walk is replayed, but a run of permutations that share a
  prefix nova would refuse from its caches alone (no state change) is
  skipped in one step. That is exact: those permutations are no-ops in
  nova too.

On top of nova's decision rtnova adds the emulator pool: with
``pool_units`` the guest's emulator and I/O threads go to the pool (its
NUMA-local CPUs first) and the pool's capacity is checked.
"""

import dataclasses
import itertools

from rtnova.hardware import cell_fit as pin
from rtnova.hardware import emulator
from rtnova.hardware import placement as placement_mod
from rtnova.hardware import policies


@dataclasses.dataclass(frozen=True)
class Limits:
    """nova's ``NUMATopologyLimits`` (the overcommit ratios)."""

    cpu_allocation_ratio: float
    ram_allocation_ratio: float


class NoFit:
    """Why a guest does not fit; falsy.

    The reason is built on demand: the scheduler refuses thousands of hosts
    and logs few of them.
    """

    def __init__(self, reason):
        self._reason = reason

    @property
    def reason(self):
        if callable(self._reason):
            self._reason = self._reason()
        return self._reason

    def __bool__(self):
        return False

    def __repr__(self):
        return 'NoFit(%r)' % self.reason


def order_host_cells(host, guest, pack=False, pci_counts=None,
                     pci_requested=False):
    """nova's host cell order: the stable sorts of its fit function.

    nova sorts only when the guest has fewer cells than the host.

    :param pack: ``[compute] packing_host_numa_cells_allocation_strategy``
    :param pci_counts: {host cell id: free PCI devices} when the host has
        PCI device pools (nova's ``pci_stats``), else None.
    """
    if len(host.cells) <= len(guest.cells):
        return host.cells
    floating = guest.cpu_policy in (None, policies.SHARED)
    key = ('order', bool(pack), floating)
    cells = host.memo.get(key)
    if cells is None:
        cells = sorted(host.cells, reverse=not pack,
                       key=lambda c: c.avail_memory_mb)
        if floating:
            cells.sort(reverse=pack, key=lambda c: c.cpu_usage)
        else:
            cells.sort(reverse=not pack, key=lambda c: len(c.free_pcpus))
        host.memo[key] = cells = tuple(cells)
    if pci_counts is not None:
        cells = sorted(cells, reverse=bool(pci_requested),
                       key=lambda c: pci_counts.get(c.id, 0))
    return cells


def interchangeable(guest):
    """Whether every guest cell asks the same of a host cell.

    Same sizes, a concrete page size or none, no isolated emulator pCPU.
    """
    first = guest.cells[0]
    if guest.emulator_policy == policies.EMULATOR_ISOLATE:
        return False
    if first.pagesize_kb is not None and first.pagesize_kb < 0:
        return False
    shape = (len(first.cpus), len(first.pcpus), first.memory_mb,
             first.pagesize_kb)
    return all((len(c.cpus), len(c.pcpus), c.memory_mb, c.pagesize_kb) ==
               shape for c in guest.cells)


def _cell_fits(host_cell, cell, guest, limits, reserved=0):
    state = pin.CellState(cell)
    return pin.fit_cell(host_cell, cell, state, guest.cpu_policy,
                        guest.thread_policy, limits, reserved)


def _next_perm(perm, depth, n_hosts):
    """The next permutation not sharing ``perm[:depth + 1]``, or None.

    Order: ``itertools.permutations``.
    """
    k = len(perm)
    while depth >= 0:
        used = set(perm[:depth])
        nxt = perm[depth] + 1
        while nxt < n_hosts and nxt in used:
            nxt += 1
        if nxt < n_hosts:
            used.add(nxt)
            rest = [i for i in range(n_hosts) if i not in used][:k - depth - 1]
            return perm[:depth] + [nxt] + rest
        depth -= 1
    return None


def _first_fitting_cell(order, guest, limits):
    """nova's walk for a one-cell guest: every host cell once, in order.

    nova's cache keys cannot repeat then.
    """
    cell = guest.cells[0]
    state = pin.CellState(cell)
    reserved = 1 if guest.emulator_policy == policies.EMULATOR_ISOLATE else 0
    for host_cell in order:
        if pin.fit_cell(host_cell, cell, state, guest.cpu_policy,
                        guest.thread_policy, limits, reserved):
            return [state]
    return None


def _replay_nova(order, guest, limits):
    """nova's permutation walk with its caches, on rtnova's cell fit.

    :returns: the cell states of the first permutation that fits, or None.
    """
    cells = guest.cells
    if len(cells) == 1:
        return _first_fitting_cell(order, guest, limits)
    states = [pin.CellState(c) for c in cells]
    isolate = guest.emulator_policy == policies.EMULATOR_ISOLATE

    def try_cell(pos, index):
        return pin.fit_cell(order[index], cells[pos], states[pos],
                            guest.cpu_policy, guest.thread_policy, limits,
                            1 if isolate and pos == 0 else 0)

    found = walk([c.id for c in order], states, try_cell)
    return states if found else None


def walk(host_ids, states, try_cell):
    """nova's walk over permutations of host cells, with its caches.

    nova keys its fit and no-fit caches on (host cell id, the instance
    cell's *current* id), and a fit rewrites that id to the host cell's.

    :param host_ids: the host cell ids in nova's order
    :param states: one object with an ``id`` per guest cell, rewritten as
        nova rewrites its instance cells
    :param try_cell: ``try_cell(pos, index)`` checks guest cell ``pos`` on
        host cell ``host_ids[index]`` as nova's cell check does (it may
        rewrite ``states[pos]``)
    :returns: True when a permutation fits (``states`` then hold it).
    """
    k = len(states)
    not_fit, fit = set(), set()
    perm = list(range(k))
    while perm is not None:
        broke = None
        for pos in range(k):
            host_id, state = host_ids[perm[pos]], states[pos]
            key = (host_id, state.id)
            if key in not_fit:
                broke = pos
                break
            if key in fit:
                state.id = host_id
                continue
            if not try_cell(pos, perm[pos]):
                not_fit.add(key)
                broke = pos
                break
            fit.add(key)
        if broke is None:
            return True
        # Skip every permutation with a prefix nova would refuse from its
        # caches without changing any state.
        skip_at = k - 1
        for pos in range(broke + 1):
            host_id = host_ids[perm[pos]]
            key = (host_id, states[pos].id)
            if key in not_fit:
                skip_at = pos
                break
            if key not in fit or states[pos].id != host_id:
                break
        perm = _next_perm(perm, skip_at, len(host_ids))
    return False


def _why_not(order, guest, limits):
    fits = []
    for cell in guest.cells:
        ids = [hc.id for hc in order if _cell_fits(hc, cell, guest, limits)]
        fits.append('guest cell %d: %s' % (
            cell.id, 'host cells %s' % ids if ids else 'no host cell'))
    return ('no assignment of guest NUMA cells to distinct host cells '
            '(pCPUs, memory/hugepages, thread policy) fits; %s' %
            '; '.join(fits))


def _search(guest, host, pack, limits, pci_counts, check_pool):
    """Search as nova does.

    :returns: (cell states of nova's first fitting permutation, None) or
        (None, NoFit).
    """
    if not guest.cells or not host.cells:
        return None, NoFit('the host has no NUMA topology' if guest.cells
                           else 'the guest has no NUMA topology')
    if len(host.cells) < len(guest.cells):
        return None, NoFit('the guest needs %d NUMA cells, the host has %d'
                           % (len(guest.cells), len(host.cells)))
    if guest.pool_units:
        if not host.emulator_pool:
            return None, NoFit(
                'the guest asks for the emulator pool; the host has none '
                '([rtnova] emulator_pin_set unset)')
        if check_pool and guest.pool_units > emulator.free_units(host):
            return None, NoFit(
                'emulator pool full: %d of %d units used, %d asked' %
                (host.pool_used, host.pool_capacity, guest.pool_units))
    order = order_host_cells(host, guest, pack, pci_counts)
    if len(guest.cells) > 1 and interchangeable(guest):
        cell = guest.cells[0]
        # only "fewer than k" matters: stop counting at k
        fitting = sum(itertools.islice(
            (1 for hc in order if _cell_fits(hc, cell, guest, limits)),
            len(guest.cells)))
        if fitting < len(guest.cells):
            return None, NoFit(lambda: _why_not(order, guest, limits))
    states = _replay_nova(order, guest, limits)
    if states is None:
        return None, NoFit(lambda: _why_not(order, guest, limits))
    if len(guest.cells) > 1 and not _recordable(host, guest, states):
        return None, NoFit(
            "nova's fit picks a pinning its own claim cannot record on this "
            "host (its permutation cache reuses rewritten instance cell "
            "ids, leaving a cell with another host cell's pCPUs); the "
            "compute claim would fail, so the host is refused")
    return states, None


def _recordable(host, guest, states):
    """Whether nova's answer is one its claim can apply.

    That is: every pinned vCPU on a free dedicated pCPU of its own host
    cell, no pCPU twice.
    """
    cells = {c.id: c for c in host.cells}
    used = set()
    for cell, state in zip(guest.cells, states):
        pinning = state.pinning or {}
        pcpus = set(pinning.values()) | set(state.cpuset_reserved or ())
        if (set(pinning) != set(cell.pcpus) or used & pcpus or
                not pcpus <= cells[state.id].free_pcpus):
            return False
        used |= pcpus
    return True


def fits(guest, host, pack=False, limits=None, pci_counts=None,
         check_pool=True):
    """:func:`fit`'s decision only: True or a :class:`NoFit`."""
    states, no_fit = _search(guest, host, pack, limits, pci_counts,
                             check_pool)
    return True if states is not None else no_fit


def fit(guest, host, pack=False, limits=None, pci_counts=None,
        check_pool=True):
    """Fit ``guest`` (a GuestTopology) onto ``host`` (a HostTopology).

    :param pack: nova's packing strategy option (host cell order).
    :param limits: :class:`Limits` for shared/mixed cells, or None.
    :param pci_counts: see :func:`order_host_cells`.
    :param check_pool: check the pool's capacity here (the scheduler leaves
        it to placement, which counts ``CUSTOM_RT_EMULATOR_POOL``).
    :returns: a ``placement.Placement`` or :class:`NoFit`.
    """
    states, no_fit = _search(guest, host, pack, limits, pci_counts,
                             check_pool)
    if states is None:
        return no_fit
    shared = {cell.id: cell.cpuset for cell in host.cells}
    cells = tuple(
        placement_mod.CellPlacement(
            guest_cell=cell.id, host_cell=state.id, vcpus=cell.vcpus,
            pinning=tuple(sorted((state.pinning or {}).items())),
            floating_cpus=shared[state.id],
            pagesize_kb=state.pagesize,
            cpuset_reserved=frozenset(state.cpuset_reserved or ()))
        for cell, state in zip(guest.cells, states))
    pool_cpus = frozenset()
    if guest.pool_units and host.emulator_pool:
        pool_cpus = emulator.local_pool_cpus(host, {s.id for s in states})
    return placement_mod.Placement(
        cells=cells, emulator_policy=guest.emulator_policy,
        pool_units=guest.pool_units, pool_cpus=pool_cpus,
        shared_cpus=host.shared_cpus)
