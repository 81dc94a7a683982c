"""Fit one guest NUMA cell onto one host NUMA cell, exactly as nova does.

A line-by-line port of nova 34's ``_numa_fit_instance_cell`` and
``_pack_instance_onto_cores`` (nova/virt/hardware.py) onto rtnova's plain
host cells. The compute claim records nova's answer, so the scheduler filter
and the planner must reproduce it bit for bit: the same pCPUs, the same
reserved pCPU for the isolate policy, the same page size. That includes
Python set iteration order (``list(sibling_set)[:n]``), so the set
operations below are deliberately the same ones nova performs.

The only mutable thing is :class:`CellState`, the stand-in for the fields
nova mutates on its ``InstanceNUMACell`` (id, pagesize, pinning, reserved).
"""

import itertools

from rtnova.hardware import guest_topology as guest_mod

DEDICATED = 'dedicated'
MIXED = 'mixed'
SHARED = 'shared'
PINNED_POLICIES = (DEDICATED, MIXED)
FLOATING_POLICIES = (SHARED, MIXED, None)

PREFER = 'prefer'
ISOLATE = 'isolate'
REQUIRE = 'require'

KI = 1024


class CellState:
    """What nova's fit writes into an ``InstanceNUMACell``."""

    __slots__ = ('id', 'pagesize', 'pinning', 'cpuset_reserved')

    def __init__(self, cell):
        self.id = cell.id
        self.pagesize = cell.pagesize_kb
        self.pinning = None
        self.cpuset_reserved = None


def free_pcpus(host_cell):
    return host_cell.free_pcpus


def avail_memory(host_cell):
    return host_cell.avail_memory_mb


def _can_fit_pagesize(host_cell, pagesize, memory_kb, use_free=True):
    """nova's ``NUMACell.can_fit_pagesize``; None for an unknown size.

    nova raises MemoryPageSizeNotSupported there, which its caller treats
    as "does not fit".
    """
    for pages in host_cell.mempages:
        if pages.size_kb == pagesize:
            avail = pages.free if use_free else pages.total
            return (memory_kb <= avail * pages.size_kb and
                    memory_kb % pages.size_kb == 0)
    return None


def _supported_pagesize(host_cell, requested, memory_kb):
    avail = host_cell.pagesizes_desc
    if requested == guest_mod.MEMPAGES_SMALL:
        candidates = avail[-1:]
    elif requested == guest_mod.MEMPAGES_LARGE:
        candidates = avail[:-1]
    elif requested == guest_mod.MEMPAGES_ANY:
        candidates = avail
    else:
        candidates = [requested]
    for pagesize in candidates:
        if _can_fit_pagesize(host_cell, pagesize, memory_kb):
            return pagesize
    return None


def _get_pinning(threads_no, sibling_set, instance_cores):
    if threads_no * len(sibling_set) < len(instance_cores):
        return None
    usable_cores = [list(s)[:threads_no] for s in sibling_set]
    return list(zip(sorted(instance_cores), itertools.chain(*usable_cores)))


def _get_reserved(sibling_set, vcpus_pinning, num_cpu_reserved=0,
                  cpu_thread_isolate=False):
    if not vcpus_pinning:
        return None
    cpuset_reserved = None
    usable_cores = [list(s) for s in sibling_set]
    if num_cpu_reserved:
        # nova removes from the list it iterates; kept for identical results
        for vcpu, pcpu in vcpus_pinning:
            for sib in usable_cores:
                if pcpu in sib:
                    if cpu_thread_isolate:
                        usable_cores.remove(sib)
                    else:
                        sib.remove(pcpu)
        cpuset_reserved = set(
            list(itertools.chain(*usable_cores))[:num_cpu_reserved])
    return cpuset_reserved or None


def pack_onto_cores(host_cell, pcpus, thread_policy, num_cpu_reserved=0):
    """nova's ``_pack_instance_onto_cores``.

    :returns: ``(pinning pairs, cpuset_reserved)`` or None.
    """
    threads_per_core = host_cell.threads_per_core
    # cached per host cell; nova's defaultdict indexing becomes .get()
    sibling_sets = host_cell.sibling_sets
    singles = sibling_sets.get(1, [])

    pinning = None
    threads_no = 1
    if thread_policy == ISOLATE:
        if threads_per_core not in sibling_sets:
            return None
        # nova's legacy vcpu_pin_set hack (bug #1889633)
        if threads_per_core != 1 and host_cell.pcpuset != host_cell.cpuset:
            return None
        pinning = _get_pinning(1, sibling_sets[threads_per_core], pcpus)
        cpuset_reserved = _get_reserved(
            singles, pinning, num_cpu_reserved=num_cpu_reserved,
            cpu_thread_isolate=True)
        if not pinning or (num_cpu_reserved and not cpuset_reserved):
            pinning, cpuset_reserved = (None, None)
    else:
        if thread_policy == REQUIRE and threads_per_core <= 1:
            return None
        for threads_no, sibling_set in sorted(sibling_sets.items(),
                                              reverse=True):
            if thread_policy == REQUIRE and threads_no <= 1:
                continue
            pinning = _get_pinning(threads_no, sibling_set, pcpus)
            cpuset_reserved = _get_reserved(
                singles, pinning, num_cpu_reserved=num_cpu_reserved)
            if pinning is None or (num_cpu_reserved and not cpuset_reserved):
                continue
            break
        if thread_policy != REQUIRE and not pinning:
            # nova's fallback: every free thread as its own "core"; note it
            # reuses the loop variable threads_no, as nova does
            sibling_set = [set([x]) for x in itertools.chain(*singles)]
            pinning = _get_pinning(threads_no, sibling_set, pcpus)
            cpuset_reserved = _get_reserved(
                sibling_set, pinning, num_cpu_reserved=num_cpu_reserved)

    if pinning is None or (num_cpu_reserved and not cpuset_reserved):
        return None
    return pinning, cpuset_reserved


def fit_cell(host_cell, cell, state, cpu_policy, thread_policy,
             limits=None, cpuset_reserved=0):
    """nova's ``_numa_fit_instance_cell``: True when ``cell`` fits.

    Updates ``state`` the way nova updates its instance cell -- including
    the page size, which nova fixes as soon as a size is found, even if the
    cell then fails on CPUs.
    """
    pinned = cpu_policy in PINNED_POLICIES
    if pinned and (state.pagesize is None or state.pagesize > 0) and (
            len(cell.pcpus) + cpuset_reserved > len(host_cell.free_pcpus)):
        # nova would refuse this below; checked first because it is the
        # usual refusal and cheap. Only where nova's page size step could
        # not have changed the state (no symbolic page size pending).
        return False
    memory_kb = cell.memory_mb * KI
    if state.pagesize:
        pagesize = _supported_pagesize(host_cell, state.pagesize, memory_kb)
        if not pagesize:
            return False
        state.pagesize = pagesize
    elif host_cell.mempages:
        smallest = host_cell.pagesizes_desc[-1]
        if not _can_fit_pagesize(host_cell, smallest, memory_kb,
                                 use_free=pinned):
            return False
    elif pinned:
        if avail_memory(host_cell) < cell.memory_mb:
            return False
    elif host_cell.memory_mb < cell.memory_mb:
        return False

    if pinned and (len(cell.pcpus) + cpuset_reserved >
                   len(host_cell.pcpuset)):
        return False
    floating = cpu_policy in FLOATING_POLICIES
    if floating and len(cell.cpus) > len(host_cell.cpuset):
        return False

    if pinned:
        required = len(cell.pcpus) + cpuset_reserved
        if required > len(free_pcpus(host_cell)):
            return False
        packed = pack_onto_cores(host_cell, cell.pcpus, thread_policy,
                                 num_cpu_reserved=cpuset_reserved)
        if packed is None:
            return False
        pairs, reserved = packed
        pinning = state.pinning or {}
        for vcpu, pcpu in pairs:
            if vcpu in cell.pcpus:
                pinning[vcpu] = pcpu
        state.pinning = pinning
        state.cpuset_reserved = reserved
        # nova sets the id here already, before the limits check below
        state.id = host_cell.id

    if floating and limits:
        cpu_usage = host_cell.cpu_usage + len(cell.cpus)
        if cpu_usage > len(host_cell.cpuset) * limits.cpu_allocation_ratio:
            return False
        ram_usage = host_cell.memory_usage_mb + cell.memory_mb
        if ram_usage > host_cell.memory_mb * limits.ram_allocation_ratio:
            return False

    state.id = host_cell.id
    return True
