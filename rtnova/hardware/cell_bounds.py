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

"""What a guest needs of each host cell before any pinning: the bounds.

nova's cell check refuses a host cell on a few numbers before it pins
anything -- too few free dedicated pCPUs, too little memory in the page
size asked for -- and those refusals change nothing nova remembers. So a
host on which too few cells are within these bounds is refused by nova,
whatever its cell order, and the scheduler can say so from a handful of
numbers per cell, without converting the host (:func:`bounds_of`).

For the commonest real-time requests the bounds also decide a *fit*:
dedicated guest cells of one size, no thread policy (or ``prefer``), a
concrete page size or none. nova's pinning of such a cell
(``_pack_instance_onto_cores``) only fails when the free pCPUs its thread
sibling sets hold are too few, so a host cell within the bounds whose
sibling sets cover its free pCPUs takes a guest cell (``Bounds.decides``).
A one-cell guest then fits when any host cell does; a guest of k cells
as nova's walk over its host cells, replayed on their verdicts, says
(:func:`decide_fit`). Anything else is left to the exact fit. The
exactness tests hold these claims against nova's fit on random hosts.
"""

import operator

from rtnova.hardware import fit
from rtnova.hardware import policies

_KIB = 1024


class Bounds:
    """One request's per-cell bounds, derived once per request."""

    __slots__ = ('cells', 'pcpus', 'page_kb', 'memory_mb', 'memory_kb',
                 'pages_needed', 'decides')

    def __init__(self, cells, pcpus, page_kb, memory_mb, decides):
        # distinct host cells the guest needs within the bounds
        self.cells = cells
        # free dedicated pCPUs each of them must have
        self.pcpus = pcpus
        # a concrete page size in KiB, or None (the cell's smallest pages,
        # or its plain memory when it reports no pages)
        self.page_kb = page_kb
        self.memory_mb = memory_mb
        self.memory_kb = memory_mb * _KIB
        # free pages of page_kb a cell needs (pages_hold, derived once);
        # memory that is no whole number of such pages fits no cell
        self.pages_needed = (
            self.memory_kb // page_kb
            if page_kb and self.memory_kb % page_kb == 0 else float('inf'))
        # a host cell within the bounds whose sibling sets cover its free
        # pCPUs is one nova fits a guest cell on (see decide_fit)
        self.decides = decides

    def memory_holds(self, pages, memory_mb, memory_usage_mb):
        """nova's memory step for a pinned cell (``cell_fit._memory_fits``).

        :param pages: ``((size_kb, free pages), ...)`` of the host cell, in
            nova's order
        """
        if not pages:
            return self.memory_mb <= memory_mb - memory_usage_mb
        # no size asked for: small pages, which a pinned guest may not
        # overcommit
        size = self.page_kb or min(p[0] for p in pages)
        for page_kb, free in pages:
            if page_kb == size:
                return self.pages_hold(size, free)
        return False

    def pages_hold(self, size_kb, free):
        """Whether ``free`` pages of ``size_kb`` back the guest cell."""
        need = self.memory_kb
        return need <= free * size_kb and need % size_kb == 0


def bounds_of(guest):
    """The :class:`Bounds` of ``guest``, or None when no exact bound
    exists: floating (shared) guests, symbolic page sizes (nova fixes them
    on the first cell offering one), multi-cell guests whose cells differ.
    """
    cells = guest.cells
    if not cells or guest.cpu_policy not in policies.PINNED_POLICIES:
        return None
    if len(cells) > 1 and not fit.interchangeable(guest):
        return None
    cell = cells[0]
    if cell.pagesize_kb is not None and cell.pagesize_kb < 0:
        return None
    isolate = guest.emulator_policy == policies.EMULATOR_ISOLATE
    decides = (not cell.cpus and not guest.pool_units and
               guest.cpu_policy == policies.DEDICATED and
               guest.thread_policy in (None, policies.PREFER))
    return Bounds(cells=len(cells),
                  pcpus=len(cell.pcpus) + (1 if isolate else 0),
                  page_kb=cell.pagesize_kb or None,
                  memory_mb=cell.memory_mb, decides=decides)


_AVAIL_MEMORY = operator.itemgetter(1)
_FREE_PCPUS = operator.itemgetter(2)


class _Walked:
    """A guest cell in :func:`fit.walk`: its id, and the host cell it was
    last pinned on (nova's pinning stays where it was made).
    """

    __slots__ = ('id', 'pinned_on')

    def __init__(self, cell_id):
        self.id = cell_id
        self.pinned_on = None


# decide_fit's answer for a guest of two cells on any host with two rows
# that fit, whatever the order, the ids and the other rows' verdicts:
# nova's walk then always finds a recordable assignment. Why: the walk
# refuses every permutation that starts on a cell that does not fit; the
# first that starts on one that does (id h) pins guest cell 0 there (its
# id g0 becomes h), and guest cell 1 keeps its id g1 until it fits. The
# caches then hold (x, g0) for the cells refused to guest cell 0, (h, g0)
# and (h, h) for its fit, and (y, g1) for the cells refused to guest cell
# 1. Guest cell 1 looks up (y, g1) for the other host cells y != h, in
# order: none of guest cell 0's entries is such a key (that needs y ==
# h), so each is tried and it is pinned on the first that fits; guest
# cell 0's (h, h) is never a refusal (h fits). Both cells end where they
# were pinned. tests/unit/test_cell_bounds.py holds decide_fit to this on
# every order and verdict of up to 6 host cells.
TWO_CELLS_FIT = True


def decide_fit(rows, guest_ids, pack=False, pci_counts=None):
    """nova's decision for a guest whose every cell ``Bounds.decides``.

    nova's walk is replayed on each host cell's verdict (the same for
    every guest cell), and its answer kept only when its claim can record
    it: each guest cell pinned on the host cell it ends on (the documented
    exception, as ``fit._recordable``).

    :param rows: ``(cell id, available memory MiB, free pCPUs, fits)`` per
        host cell, in the host's order; ``fits`` as ``Bounds.decides``
        says; None when a cell's verdict is unknown (then so is this)
    :param guest_ids: the guest cell ids
    :param pack: nova's packing strategy option
    :param pci_counts: see ``fit.order_host_cells`` (no PCI requested)
    """
    if rows is None:
        return None
    if len(rows) > len(guest_ids):
        # fit.order_host_cells' stable sorts for a pinned guest, on rows
        rows = sorted(rows, reverse=not pack, key=_AVAIL_MEMORY)
        rows.sort(reverse=not pack, key=_FREE_PCPUS)
        if pci_counts is not None:
            rows.sort(key=lambda row: pci_counts.get(row[0], 0))
    k = len(guest_ids)
    if all(row[3] for row in rows[:k]):
        # nova's first permutation fits: no cache is consulted yet
        return True
    states = [_Walked(i) for i in guest_ids]

    def try_cell(pos, index):
        host_id, _memory, _free, fits = rows[index]
        if fits:
            states[pos].id = states[pos].pinned_on = host_id
        return fits

    return (fit.walk([row[0] for row in rows], states, try_cell) and
            all(s.pinned_on == s.id for s in states))
