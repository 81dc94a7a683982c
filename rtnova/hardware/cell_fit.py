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

"""Does one guest NUMA cell fit on one host NUMA cell, and on which pCPUs?

This reproduces a behaviour of nova 34 (nova/virt/hardware.py): the cell
check of ``_numa_fit_instance_cell`` and the CPU pinning walk of
``_pack_instance_onto_cores``. The compute node claims with nova's own
code, so the scheduler filter and the planner must reach the same answer:
the same pCPUs for the same vCPUs, the same pCPU reserved for an isolated
emulator thread, the same page size. The walk therefore keeps nova's
observable order, including that of Python set iteration (a core's free
threads are taken in the order its set yields them).

How exactness is tested: tests/unit/test_filter_exactness.py, test_fit.py,
test_fit_properties.py and tools/fit_invariants.py compare rtnova's
placements with nova's ``numa_fit_instance_to_host`` on generated hosts and
requests.

Host cells come from rtnova's frozen model (host_topology); the only
mutable thing is :class:`CellState`, what nova writes into its
``InstanceNUMACell`` while it tries host cells (id, page size, pinning,
reserved pCPUs).
"""

import itertools

from rtnova.hardware import guest_topology as guest_mod
from rtnova.hardware import policies

_KIB = 1024


class CellState:
    """What nova's fit writes into an ``InstanceNUMACell``."""

    __slots__ = ('id', 'pagesize', 'pinning', 'cpuset_reserved')

    def __init__(self, cell):
        self.id = cell.id
        self.pagesize = cell.pagesize_kb
        self.pinning = None
        self.cpuset_reserved = None


# -- memory ---------------------------------------------------------------

def _pages_hold(host_cell, size_kb, memory_kb, free_only=True):
    """Whether pages of ``size_kb`` can back ``memory_kb``.

    False for a size the cell does not have (nova raises, then refuses).
    """
    pages = next((p for p in host_cell.mempages if p.size_kb == size_kb),
                 None)
    if pages is None:
        return False
    count = pages.free if free_only else pages.total
    return memory_kb <= count * size_kb and memory_kb % size_kb == 0


def _choose_page_size(host_cell, requested, memory_kb):
    """The page size nova picks for a request (largest first), or None."""
    sizes = host_cell.pagesizes_desc
    candidates = {
        guest_mod.MEMPAGES_SMALL: sizes[-1:],
        guest_mod.MEMPAGES_LARGE: sizes[:-1],
        guest_mod.MEMPAGES_ANY: sizes,
    }.get(requested, (requested,))
    return next((size for size in candidates
                 if _pages_hold(host_cell, size, memory_kb)), None)


def _memory_fits(host_cell, cell, state, pinned):
    """nova's memory step; records the chosen page size in ``state``.

    nova keeps that size even when the cell is then refused for its CPUs.
    """
    memory_kb = cell.memory_mb * _KIB
    if state.pagesize:
        size = _choose_page_size(host_cell, state.pagesize, memory_kb)
        if not size:
            return False
        state.pagesize = size
        return True
    if host_cell.mempages:
        # small pages; only pinned guests may not overcommit them
        return _pages_hold(host_cell, host_cell.pagesizes_desc[-1],
                           memory_kb, free_only=pinned)
    if pinned:
        return cell.memory_mb <= host_cell.avail_memory_mb
    return cell.memory_mb <= host_cell.memory_mb


# -- CPU pinning ----------------------------------------------------------

def _assign(cores, per_core, vcpus):
    """Pair vCPUs with the first ``per_core`` threads of each core.

    vCPUs ascending, cores in turn; None when they hold too few threads.
    """
    if per_core * len(cores) < len(vcpus):
        return None
    threads = itertools.chain.from_iterable(
        itertools.islice(core, per_core) for core in cores)
    return list(zip(sorted(vcpus), threads))


def _spare_threads(cores, pairs, count, whole_cores=False):
    """The first ``count`` threads of ``cores`` left unused by ``pairs``.

    A set, or None. ``whole_cores`` skips every core that holds a pinned
    thread (the isolate policy). Thread sibling sets are disjoint, as on
    every host nova reads.
    """
    if not pairs or not count:
        return None
    used = {pcpu for _vcpu, pcpu in pairs}
    if whole_cores:
        left = (t for core in cores if used.isdisjoint(core) for t in core)
    else:
        left = (t for core in cores for t in core if t not in used)
    return set(itertools.islice(left, count)) or None


def _refused(pairs, reserved, spare):
    return pairs is None or bool(spare and not reserved)


def _pin_isolated(host_cell, vcpus, spare):
    """One vCPU per fully free core; spare pCPUs from untouched cores."""
    width = host_cell.threads_per_core
    free_cores = host_cell.sibling_sets
    if width not in free_cores:
        return None
    # nova refuses SMT hosts configured through the legacy vcpu_pin_set
    # here (bug #1889633: the fallback PCPU query may send such requests)
    if width != 1 and host_cell.pcpuset != host_cell.cpuset:
        return None
    pairs = _assign(free_cores[width], 1, vcpus)
    reserved = _spare_threads(free_cores.get(1, ()), pairs, spare,
                              whole_cores=True)
    if not pairs or (spare and not reserved):
        return None
    return pairs, reserved


def _pin_on_siblings(host_cell, vcpus, thread_policy, spare):
    """Fill the cores with the most free threads first.

    ``require`` insists on two or more threads per core; otherwise single
    free threads are the last resort.
    """
    if thread_policy == policies.REQUIRE and host_cell.threads_per_core <= 1:
        return None
    free_cores = host_cell.sibling_sets
    any_free = free_cores.get(1, ())
    pairs, width = None, 1
    for width in sorted(free_cores, reverse=True):
        if thread_policy == policies.REQUIRE and width == 1:
            continue
        pairs = _assign(free_cores[width], width, vcpus)
        reserved = _spare_threads(any_free, pairs, spare)
        if not _refused(pairs, reserved, spare):
            return pairs, reserved
    if thread_policy == policies.REQUIRE or pairs:
        return None
    # last resort: every free thread counts as a core of its own. nova
    # passes on the width the walk above ended with (its smallest).
    threads = [{t} for core in any_free for t in core]
    pairs = _assign(threads, width, vcpus)
    reserved = _spare_threads(threads, pairs, spare)
    return None if _refused(pairs, reserved, spare) else (pairs, reserved)


def pin_cpus(host_cell, vcpus, thread_policy, spare=0):
    """nova's pinning of ``vcpus`` on ``host_cell`` with ``spare`` extra
    pCPUs reserved (the isolated emulator thread).

    :returns: ``(pairs, reserved)``: ``[(vcpu, pcpu), ...]`` by vCPU and
        the reserved pCPUs (a set, or None), or None when nothing fits.
    """
    if thread_policy == policies.ISOLATE:
        return _pin_isolated(host_cell, vcpus, spare)
    return _pin_on_siblings(host_cell, vcpus, thread_policy, spare)


# -- the cell -------------------------------------------------------------

def _record_pinning(host_cell, cell, state, thread_policy, spare):
    placed = pin_cpus(host_cell, cell.pcpus, thread_policy, spare)
    if placed is None:
        return False
    pairs, reserved = placed
    # nova adds to the instance cell's pinning dict in place
    state.pinning = state.pinning or {}
    state.pinning.update(pairs)
    state.cpuset_reserved = reserved
    # nova sets the id here already, before the limits check
    state.id = host_cell.id
    return True


def _within_limits(host_cell, cell, limits):
    """Shared CPUs and memory under the allocation ratios."""
    cpus = host_cell.cpu_usage + len(cell.cpus)
    if cpus > len(host_cell.cpuset) * limits.cpu_allocation_ratio:
        return False
    memory = host_cell.memory_usage_mb + cell.memory_mb
    return memory <= host_cell.memory_mb * limits.ram_allocation_ratio


def fit_cell(host_cell, cell, state, cpu_policy, thread_policy,
             limits=None, cpuset_reserved=0):
    """True when guest ``cell`` fits on ``host_cell`` (nova's decision).

    Updates ``state`` as nova updates its instance cell, the page size
    included even when the cell then fails on CPUs.
    """
    pinned = cpu_policy in policies.PINNED_POLICIES
    floating = cpu_policy in policies.FLOATING_POLICIES
    needed = len(cell.pcpus) + cpuset_reserved
    symbolic_size = state.pagesize is not None and state.pagesize < 0
    if pinned and not symbolic_size and needed > len(host_cell.free_pcpus):
        # nova refuses this after its memory step, which cannot change the
        # state here; the usual refusal, so answer it first
        return False
    if not _memory_fits(host_cell, cell, state, pinned):
        return False
    if pinned and needed > len(host_cell.pcpuset):
        return False
    if floating and len(cell.cpus) > len(host_cell.cpuset):
        return False
    if pinned and (needed > len(host_cell.free_pcpus) or not
                   _record_pinning(host_cell, cell, state, thread_policy,
                                   cpuset_reserved)):
        return False
    if floating and limits and not _within_limits(host_cell, cell, limits):
        return False
    state.id = host_cell.id
    return True
