#!/usr/bin/env python3
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
hugepages and the pool never overcommitted. On hosts of up to 8 nodes the
decision is also compared with nova's ``numa_fit_instance_to_host``.

Usage: tools/fit_invariants.py [--pairs 100000] [--seed 1]
Exit status 1 when any invariant breaks or a decision differs.
"""

import argparse
import copy
import logging
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))

from nova.virt import hardware  # noqa: E402

from rtnova.hardware import fit  # noqa: E402
from rtnova.hardware import usage  # noqa: E402
from tests.unit import fit_scenarios as fs  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--pairs', type=int, default=100000)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--nova-every', type=int, default=10,
                        help='compare with nova on every Nth pair')
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    rng = random.Random(args.seed)
    pairs = placed = compared = differ = nova_unrecordable = broken = 0
    hosts = 0
    start = time.perf_counter()
    while pairs < args.pairs:
        topo, pool_cpus = fs.random_host(rng)
        host = fs.plain_host(topo, pool_cpus,
                             per_cpu=rng.choice([1, 2, 5, 20]))
        hosts += 1
        for _ in range(rng.randint(1, 30)):
            inst = fs.random_request(rng, max_cells=len(topo.cells))
            guest = fs.plain_guest(inst)
            if guest.cpu_policy == 'dedicated' and rng.random() < 0.5:
                guest = fs.with_pool(guest, rng.choice([1, 1, 2]))
            result = fit.fit(guest, host)
            pairs += 1
            if (pairs % args.nova_every == 0 and len(host.cells) <= 8 and
                    not guest.pool_units and host_is_fresh(host, topo)):
                compared += 1
                nova_result = hardware.numa_fit_instance_to_host(
                    topo, copy.deepcopy(inst), None)
                want = fs.nova_answer(nova_result)
                got = fs.rtnova_answer(result)
                if want != got:
                    if got is None and fs.nova_claim_fails(topo,
                                                           nova_result):
                        nova_unrecordable += 1
                    else:
                        differ += 1
                        print('DIFFERS from nova: %r on %r' % (inst, topo))
            if not result:
                continue
            problems = fs.broken_invariants(host, guest, result)
            if problems:
                broken += 1
                print('BROKEN: %s (%r)' % (problems, result))
                continue
            host = usage.apply(host, guest, result)
            placed += 1
    elapsed = time.perf_counter() - start
    print('pairs: %d on %d hosts (%d placements applied) in %.1f s' %
          (pairs, hosts, placed, elapsed))
    print('invariant violations: %d' % broken)
    print('compared with nova: %d; differing: %d; refused where nova\'s own '
          'claim would fail: %d' % (compared, differ, nova_unrecordable))
    return 1 if broken or differ else 0


def host_is_fresh(host, topo):
    """Whether rtnova's copy of the host still equals nova's ``topo``."""
    return all(c.pinned_cpus == frozenset(n.pinned_cpus)
               and c.memory_usage_mb == n.memory_usage
               for c, n in zip(host.cells, topo.cells))


if __name__ == '__main__':
    sys.exit(main())
