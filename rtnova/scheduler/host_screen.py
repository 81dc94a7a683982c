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

"""The scheduler's screen: nova's host objects, as they are, against a
request's cell bounds (:mod:`rtnova.hardware.cell_bounds`).

Most hosts of a request are decided here without converting them. A
re-read host's cost is reading nova's objects -- memory the processor has
not seen since nova built them, so every object touched costs a cache
miss -- and the loops below are written to touch as few of them as the
exact answer allows: one function per request shape, no call per cell,
each cell's fields read once, and a host refused as soon as it cannot
have enough cells within the bounds.

Fields are read from the attribute oslo.versionedobjects stores them in
(``_obj_<name>``), not through the field's property (a Python call that
builds the name and tests it per read) and never through ``vars()``
(Python 3.11 would build a dict per object). An unset field raises
AttributeError there: the screen then answers ``(None, None)`` and the
exact path reads the host. ``tests/unit/test_nova_fields.py`` fails if
oslo.versionedobjects stores fields otherwise.
"""

import operator

from rtnova.hardware import cell_bounds


def _memory_holds(bounds, cell):
    """``bounds.memory_holds`` on nova's stored fields: only the pages of
    the size the bounds look at are read.
    """
    pages = cell._obj_mempages
    if not pages:
        return bounds.memory_mb <= cell._obj_memory - cell._obj_memory_usage
    size = bounds.page_kb
    if size is None:
        size = min(p._obj_size_kb for p in pages)
        for p in pages:
            if p._obj_size_kb == size:
                return bounds.pages_hold(
                    size, p._obj_total - p._obj_used - p._obj_reserved)
        return False
    # the usual case, a concrete page size: the count of pages it needs
    # was derived once per request. Huge pages come last in nova's list
    # (one entry per size, so the order changes no answer)
    for p in reversed(pages):
        if p._obj_size_kb == size:
            return (p._obj_total - p._obj_used - p._obj_reserved >=
                    bounds.pages_needed)
    return False


def screener(bounds):
    """The function that screens hosts against ``bounds``, chosen once per
    request; called as :func:`screen` is.
    """
    if bounds.decides and bounds.cells == 1:
        return _one_cell
    return _many_cells


def screen(bounds, numa_topology, guest_ids=(0,), pack=False,
           pci_counts=None):
    """How ``numa_topology`` stands against a request's ``bounds``
    (:mod:`rtnova.hardware.cell_bounds`), read from nova's object as is.

    :returns: ``(within, verdict)``: the number of host cells within the
        bounds, counted up to the guest's cells (fewer: nova refuses the
        host), and
        nova's decision when the bounds make it (True or False), else
        None. A verdict needs thread sibling information on every cell
        (nova's packing does not run without it). ``(None, None)`` for a
        topology with an unset field: the exact path reads it.
    """
    return screener(bounds)(bounds, numa_topology, guest_ids, pack,
                            pci_counts)


_SIBLINGS = operator.attrgetter('_obj_siblings')


def _one_cell(bounds, numa_topology, _guest_ids=None, _pack=None,
              _pci_counts=None):
    """``screen`` for a one-cell guest the bounds decide, in one pass:
    (1, True) at the first host cell that takes it.

    One function, no call per cell (the memory step of a concrete page
    size and the sibling check written out): this loop is most of a
    re-read host's cost.
    """
    within, need = 0, bounds.pcpus
    size, pages_needed = bounds.page_kb, bounds.pages_needed
    try:
        cells = numa_topology._obj_cells
        for cell in cells:
            pcpuset = cell._obj_pcpuset
            total = len(pcpuset)
            if total < need:
                continue
            pinned = cell._obj_pinned_cpus
            # nova's len(free_pcpus) >= need, from the set headers where
            # the lengths tell (|A - B| >= |A| - |B|; reading the sets'
            # tables costs more)
            if total - len(pinned) < need and (
                    pinned <= pcpuset or len(pcpuset - pinned) < need):
                continue
            pages = cell._obj_mempages
            if size is None or not pages:
                if not _memory_holds(bounds, cell):
                    continue
            else:
                # _memory_holds' concrete page size, written out
                for page in reversed(pages):
                    if page._obj_size_kb == size:
                        break
                else:
                    continue
                if (page._obj_total - page._obj_used - page._obj_reserved <
                        pages_needed):
                    continue
            # _covered, written out: the free pCPUs outside every sibling
            # set are pinned ones
            rest = pcpuset.difference(*cell._obj_siblings)
            if not rest or rest <= pinned:
                # a verdict needs sibling information on every cell
                return 1, (True if all(map(_SIBLINGS, cells)) else None)
            within = 1
    except AttributeError:
        return None, None
    return within, None


def _covered(pcpuset, pinned, siblings):
    """nova's pinning takes a cell within the bounds when its thread
    sibling sets hold all of its free pCPUs: the pCPUs no sibling set
    holds are all pinned (the usual case: there are none).
    """
    rest = pcpuset.difference(*siblings)
    return not rest or rest <= pinned


def _many_cells(bounds, numa_topology, guest_ids=(0,), pack=False,
                pci_counts=None):
    """``screen`` for every other bounded guest.

    Most hosts are refused on the count of cells within the bounds; a
    two-cell guest the bounds decide is decided on that count too
    (``cell_bounds.TWO_CELLS_FIT``); the rest are read into
    ``cell_bounds.decide_fit``'s rows.
    """
    wanted = bounds.cells
    try:
        cells = numa_topology._obj_cells
        if len(cells) < wanted:
            return 0, None
        if not bounds.decides:
            return _within(bounds, cells), None
        if wanted == 2:
            return _two_cells(bounds, cells)
        return _rows_decide(bounds, cells, guest_ids, pack, pci_counts)
    except AttributeError:
        return None, None


def _two_cells(bounds, cells):
    """``screen`` for a two-cell guest the bounds decide: each cell is
    read once, up to the second cell nova's pinning surely takes; the host
    is refused as soon as more cells failed than it can spare.
    """
    need, within, sure = bounds.pcpus, 0, 0
    size, pages_needed = bounds.page_kb, bounds.pages_needed
    spare = len(cells) - 2
    for cell in cells:
        pcpuset = cell._obj_pcpuset
        pinned = cell._obj_pinned_cpus
        # nova's len(free_pcpus) >= need (see _one_cell)
        if len(pcpuset) - len(pinned) < need and (
                pinned <= pcpuset or len(pcpuset - pinned) < need):
            holds = False
        elif size is None:
            holds = _memory_holds(bounds, cell)
        else:
            # _memory_holds' concrete page size, written out (the loop is
            # most of a multi-cell host's cost)
            for page in reversed(cell._obj_mempages or ()):
                if page._obj_size_kb == size:
                    holds = (page._obj_total - page._obj_used -
                             page._obj_reserved >= pages_needed)
                    break
            else:
                holds = not cell._obj_mempages and _memory_holds(bounds,
                                                                 cell)
        if not holds:
            spare -= 1
            if spare < 0:
                return within, None
            continue
        within += 1
        if _covered(pcpuset, pinned, cell._obj_siblings):
            sure += 1
            if sure == 2:
                # two host cells take a guest cell: TWO_CELLS_FIT, whatever
                # the verdicts of the cells not read (nova's, the same
                # for both guest cells); but nova's packing fails on a
                # cell without sibling information it may reach
                return 2, (cell_bounds.TWO_CELLS_FIT
                           if all(map(_SIBLINGS, cells)) else None)
    # cells within the bounds their siblings do not cover: the fit decides
    return 2, None


def _rows_decide(bounds, cells, guest_ids, pack, pci_counts):
    """``screen`` for a guest of three or more cells the bounds decide:
    each cell's row for ``cell_bounds.decide_fit``, in one pass.
    """
    rows, need, within, covered = [], bounds.pcpus, 0, True
    for cell in cells:
        pcpuset = cell._obj_pcpuset
        pinned = cell._obj_pinned_cpus
        # nova's len(free_pcpus), exact: it orders the cells
        if not pinned:
            free = len(pcpuset)
        elif pinned <= pcpuset:
            free = len(pcpuset) - len(pinned)
        else:
            free = len(pcpuset - pinned)
        fits = free >= need and _memory_holds(bounds, cell)
        if fits:
            within += 1
            if covered:
                covered = _covered(pcpuset, pinned, cell._obj_siblings)
        rows.append((cell._obj_id,
                     cell._obj_memory - cell._obj_memory_usage, free, fits))
    wanted = bounds.cells
    if within < wanted:
        return within, None
    if not covered or not all(map(_SIBLINGS, cells)):
        return wanted, None
    return wanted, cell_bounds.decide_fit(rows, guest_ids, pack, pci_counts)


def _within(bounds, cells):
    """How many host cells are within the bounds, counted up to the
    guest's cells (all that matters: fewer, and nova refuses the host).
    """
    within, need, wanted = 0, bounds.pcpus, bounds.cells
    for cell in cells:
        pcpuset = cell._obj_pcpuset
        pinned = cell._obj_pinned_cpus
        # nova's len(free_pcpus) >= need (see _one_cell)
        if len(pcpuset) - len(pinned) < need and (
                pinned <= pcpuset or len(pcpuset - pinned) < need):
            continue
        if _memory_holds(bounds, cell):
            within += 1
            if within == wanted:
                break
    return within
