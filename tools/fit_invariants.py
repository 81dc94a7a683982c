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

"""Invariant run: >= 100,000 random host/request pairs through rtnova's fit.

Each random host (1-16 NUMA nodes, SMT on/off, 0-100 % full, with an
emulator pool) is filled request by request -- every placement applied, so
later pairs see the accounting of earlier ones -- and every placement is
checked: no pCPU double-booked, nothing outside the dedicated set, pool
guests' emulator threads only on the pool and never on the dedicated set,
hugepages and the pool never overcommitted.

nova's view of the host is kept in step: every placement is also recorded
on nova's ``NUMATopology`` with nova's own accounting
(``numa_usage_from_instance_numa``, as the compute claim does), and after
each one rtnova's host (``usage.apply``) must still read the same as
nova's; the next fit then reads nova's new object, as the filter does. So
the decision comparison with nova's ``numa_fit_instance_to_host`` (every
Nth pair, hosts of up to 8 nodes, guests without the pool, which nova does
not know) runs on filled hosts, not only on fresh ones.

Run from the repository root:
    python -m tools.fit_invariants [--pairs 100000] [--seed 1]
Exit status 1 when any invariant breaks, a decision differs or the two
accountings drift apart.
"""

import argparse
import collections
import copy
import logging
import random
import sys
import time

from nova import exception
from nova.virt import hardware

from rtnova.hardware import fit
from tests.unit import fit_scenarios as fs
from tests.unit import host_usage as usage


def nova_instance(inst, placement):
    """``inst`` as nova's claim records ``placement``: cells on their host
    cells, with pinning, reserved pCPU and page size.
    """
    claimed = copy.deepcopy(inst)
    for cell, placed in zip(claimed.cells, placement.cells):
        cell.id = placed.host_cell
        cell.cpu_pinning = dict(placed.pinning)
        cell.cpuset_reserved = set(placed.cpuset_reserved)
        if placed.pagesize_kb:
            cell.pagesize = placed.pagesize_kb
    return claimed


def nova_view(topo):
    """What rtnova's host model reads from nova's object, per cell."""
    return [(c.id, frozenset(c.pinned_cpus), c.memory_usage, c.cpu_usage,
             tuple((p.size_kb, p.used) for p in c.mempages))
            for c in topo.cells]


def rtnova_view(host):
    return [(c.id, c.pinned_cpus, c.memory_usage_mb, c.cpu_usage,
             tuple((p.size_kb, p.used) for p in c.mempages))
            for c in host.cells]


def record(topo, inst, placement):
    """nova's topology after its claim records ``placement``, or a string
    saying why nova refuses to record it.
    """
    try:
        return hardware.numa_usage_from_instance_numa(
            topo, nova_instance(inst, placement))
    except (exception.CPUPinningInvalid, exception.CPUPinningUnknown) as e:
        return 'nova refuses to record the placement: %s' % e


def compare(counts, topo, inst, result, filled):
    """Compare rtnova's decision ``result`` with nova's on ``topo``;
    ``filled``: placements of this run are already recorded on it.
    """
    counts['compared'] += 1
    counts['compared on filled hosts'] += filled
    nova_result = hardware.numa_fit_instance_to_host(
        topo, copy.deepcopy(inst), None)
    want = fs.nova_answer(nova_result)
    got = fs.rtnova_answer(result)
    if want == got:
        return
    if got is None and fs.nova_claim_fails(topo, nova_result):
        counts['refused where nova\'s claim would fail'] += 1
    else:
        counts['differing'] += 1
        print('DIFFERS from nova: %r on %r' % (inst, topo))


def fill_host(rng, args, counts):
    """One random host, filled by up to 30 random requests."""
    topo, pool_cpus = fs.random_host(rng)
    per_cpu = rng.choice([1, 2, 5, 20])
    host = fs.plain_host(topo, pool_cpus, per_cpu=per_cpu)
    counts['hosts'] += 1
    placed_here = 0
    for _ in range(rng.randint(1, 30)):
        if counts['pairs'] >= args.pairs:
            return
        inst = fs.random_request(rng, max_cells=len(topo.cells))
        guest = fs.plain_guest(inst)
        if guest.cpu_policy == 'dedicated' and rng.random() < 0.5:
            guest = fs.with_pool(guest, rng.choice([1, 1, 2]))
        result = fit.fit(guest, host)
        counts['pairs'] += 1
        if (counts['pairs'] % args.nova_every == 0 and
                len(host.cells) <= 8 and not guest.pool_units):
            compare(counts, topo, inst, result, placed_here > 0)
        if not result:
            continue
        problems = fs.broken_invariants(host, guest, result)
        if problems:
            counts['invariant violations'] += 1
            print('BROKEN: %s (%r)' % (problems, result))
            continue
        applied = usage.apply(host, guest, result)
        topo = record(topo, inst, result)
        counts['placements'] += 1
        placed_here += 1
        if isinstance(topo, str) or nova_view(topo) != rtnova_view(applied):
            counts['accounting differs from nova'] += 1
            print('ACCOUNTING differs from nova after %r: %s' % (
                result, topo if isinstance(topo, str) else
                '%r != %r' % (nova_view(topo), rtnova_view(applied))))
            return
        # The next fit reads nova's new object, as the filter does: same
        # usage (just checked), and nova's own sibling sets, whose
        # iteration order nova's pinning follows (rebuilt sets may iterate
        # in another order than the ones rtnova's model held)
        host = fs.plain_host(topo, pool_cpus, per_cpu=per_cpu,
                             pool_used=applied.pool_used)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--pairs', type=int, default=100000)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--nova-every', type=int, default=10,
                        help='compare with nova on every Nth pair')
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    rng = random.Random(args.seed)
    counts = collections.Counter()
    start = time.perf_counter()
    while counts['pairs'] < args.pairs:
        fill_host(rng, args, counts)
    elapsed = time.perf_counter() - start
    print('pairs: %d on %d hosts (%d placements applied to rtnova\'s host '
          'and to nova\'s NUMATopology) in %.1f s' % (
              counts['pairs'], counts['hosts'], counts['placements'],
              elapsed))
    print('invariant violations: %d' % counts['invariant violations'])
    print('accounting differing from nova\'s after a placement: %d' %
          counts['accounting differs from nova'])
    print('compared with nova: %d (%d of them on hosts already holding '
          'placements of this run); '
          'differing: %d; refused where nova\'s own claim would fail: %d' % (
              counts['compared'], counts['compared on filled hosts'],
              counts['differing'],
              counts['refused where nova\'s claim would fail']))
    bad = (counts['invariant violations'] + counts['differing'] +
           counts['accounting differs from nova'])
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
