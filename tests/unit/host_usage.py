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

"""Apply a placement to a host: the host as it is after the guest lands.

A test and simulation helper (the product never applies placements
itself: nova's claim does), used by the fit tests, ``tools/packing_sim``
and ``tools/fit_invariants``.

nova's ``numa_usage_from_instance_numa`` on rtnova's plain data (pinned
pCPUs -- with their thread siblings for the isolate thread policy --,
memory and page usage per cell) plus the emulator pool units. It refuses
a placement that would double-book a pCPU or overcommit pages or the
pool, so a broken placement cannot slip through a simulation unnoticed.
"""

import dataclasses

from rtnova.hardware import policies


KI = 1024


class Overcommit(Exception):
    """The placement does not fit the host it is applied to."""


def _pages_after(host_cell, guest_cell, placed):
    pagesize = placed.pagesize_kb or min(
        (p.size_kb for p in host_cell.mempages), default=None)
    if pagesize is None:
        return host_cell.mempages
    pages = []
    for p in host_cell.mempages:
        if p.size_kb == pagesize:
            used = p.used + guest_cell.memory_mb * KI // p.size_kb
            if placed.pagesize_kb and used + p.reserved > p.total:
                raise Overcommit('host cell %d: %d KiB pages overcommitted'
                                 % (host_cell.id, pagesize))
            p = dataclasses.replace(p, used=used)
        pages.append(p)
    return tuple(pages)


def apply(host, guest, placement, thread_policy=None):
    """Return ``host`` with ``placement`` of ``guest`` consumed."""
    by_host_cell = {}
    for guest_cell, placed in zip(guest.cells, placement.cells):
        by_host_cell.setdefault(placed.host_cell, []).append(
            (guest_cell, placed))
    thread_policy = thread_policy or guest.thread_policy
    cells = []
    for hc in host.cells:
        for guest_cell, placed in by_host_cell.get(hc.id, ()):
            pinned = placed.pcpus | placed.cpuset_reserved
            if thread_policy == policies.ISOLATE:
                pinned = frozenset().union(
                    pinned, *(s for s in hc.siblings if s & pinned))
            if pinned - hc.pcpuset:
                raise Overcommit('host cell %d: pCPUs %s are not dedicated'
                                 % (hc.id, sorted(pinned - hc.pcpuset)))
            if pinned & hc.pinned_cpus:
                raise Overcommit('host cell %d: pCPUs %s already pinned'
                                 % (hc.id, sorted(pinned & hc.pinned_cpus)))
            hc = dataclasses.replace(
                hc,
                pinned_cpus=hc.pinned_cpus | pinned,
                mempages=_pages_after(hc, guest_cell, placed),
                memory_usage_mb=hc.memory_usage_mb + guest_cell.memory_mb,
                cpu_usage=hc.cpu_usage + len(guest_cell.cpus))
        cells.append(hc)
    pool_used = host.pool_used + placement.pool_units
    if placement.pool_units and pool_used > host.pool_capacity:
        raise Overcommit('emulator pool overcommitted: %d > %d' %
                         (pool_used, host.pool_capacity))
    return dataclasses.replace(host, cells=tuple(cells), pool_used=pool_used)
