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

"""Benchmark: RealtimeFilter vs nova's NUMATopologyFilter, same process.

Builds synthetic compute hosts (1-16 NUMA nodes, SMT on/off, 0-100 % full)
as real nova ``HostState`` objects and a 4-vCPU real-time request as a real
``RequestSpec``, runs both filters over every host, checks the decisions
are identical on every host, and prints per-host medians, the 10,000-host
pass time of each filter and the speed-up. Then the worst case: a 16-node
host on which a 6-node guest does not fit.

rtnova's pass is shown twice: "cold" includes converting every host's nova
topology (first request after the hosts changed), "warm" reuses the
conversions (a host's topology object only changes when its usage does).

Usage: tools/bench_filter.py [--hosts 10000] [--seed 1]
"""

import argparse
import gc
import logging
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))

from nova import objects  # noqa: E402
from nova.scheduler.filters import numa_topology_filter  # noqa: E402

from rtnova.scheduler import filters  # noqa: E402
from tests.unit import fit_scenarios as fs  # noqa: E402


def make_hosts(rng, count):
    hosts = []
    for i in range(count):
        topo, _pool = fs.random_host(
            rng, nodes=rng.choice([1, 2, 2, 2, 4, 4, 8, 16]),
            cores=rng.choice([4, 6, 8]), fill=rng.random())
        hosts.append(topo)
    return hosts


def run_pass(filt, states, spec):
    # every pass starts from a collected heap, so no pass pays for the
    # garbage of the one before
    gc.collect()
    per_host, decisions = [], []
    clock = time.perf_counter
    start = clock()
    for state in states:
        t0 = clock()
        decisions.append(filt.host_passes(state, spec))
        per_host.append(clock() - t0)
    return clock() - start, per_host, decisions


def fmt_us(seconds):
    return '%.1f us' % (seconds * 1e6)


def reread(jsons, names):
    """Host states as the scheduler has them for a request.

    nova re-reads every compute node's NUMA topology from the database (a
    new object, usually with unchanged content) before filtering.
    """
    return [fs.host_state(objects.NUMATopology.obj_from_db_obj(j), n)
            for j, n in zip(jsons, names)]


def main_pass(args):
    rng = random.Random(args.seed)
    jsons = [t._to_json() for t in make_hosts(rng, args.hosts)]
    names = ['h%d' % i for i in range(len(jsons))]
    inst = fs.rt_request(vcpus=4, cells=1, pagesize=fs.PAGE_1G)
    spec = fs.request_spec(inst, fs.extra_specs_of(inst))
    nova_filter = numa_topology_filter.NUMATopologyFilter()
    rt_filter = filters.RealtimeFilter()

    rows, decisions = [], []
    nova_total, nova_each, nova_dec = run_pass(
        nova_filter, reread(jsons, names), spec)
    rows.append(('nova NUMATopologyFilter', nova_each, nova_total))
    states = None
    for label in ('rtnova, first request', 'rtnova, next request',
                  'rtnova, same objects'):
        if label == 'rtnova, same objects':
            # the objects of the previous pass, in fresh host states
            states = [fs.host_state(s.numa_topology, s.host)
                      for s in states]
        else:
            states = reread(jsons, names)
        total, each, dec = run_pass(rt_filter, states, spec)
        rows.append((label, each, total))
        decisions.append(dec)

    mismatches = sum(sum(a != b for a, b in zip(nova_dec, dec))
                     for dec in decisions)
    print('== %d-host pass, 4-vCPU real-time request (1 GiB pages) ==' %
          len(jsons))
    print('hosts passing: %d; decisions differing from nova: %d' %
          (sum(nova_dec), mismatches))
    print('%-30s %12s %10s %9s' % ('', 'median/host', 'pass', 'speed-up'))
    for label, each, total in rows:
        print('%-30s %12s %8.3f s %8.1fx' % (
            label, fmt_us(statistics.median(each)), total,
            nova_total / total))
    print('("first request": every host converted; "next request": hosts '
          're-read from the database, unchanged ones reuse their '
          'conversion; "same objects": no re-read)')
    return mismatches


def worst_case(args):
    """16 host cells, 6 guest cells; only 5 host cells have room."""
    rng = random.Random(args.seed)
    topo, _ = fs.random_host(rng, nodes=16, cores=4, smt=False, fill=0.0,
                             shared=False)
    for cell in topo.cells[5:]:
        cell.pinned_cpus = set(cell.pcpuset)
    inst = fs.rt_request(vcpus=12, cells=6, pagesize=None,
                         memory_mb=6 * 1024)
    spec = fs.request_spec(inst, fs.extra_specs_of(inst))
    rt_filter = filters.RealtimeFilter()
    clock = time.perf_counter
    rt_times = []
    # start from a collected heap: the main pass leaves ~10^6 objects
    # whose collection would otherwise be billed to this one host
    gc.collect()
    for _ in range(5):
        state = fs.host_state(topo)
        # a fresh topology object each round: include the conversion
        state.numa_topology = topo.obj_clone()
        t0 = clock()
        rt_dec = rt_filter.host_passes(state, spec)
        rt_times.append(clock() - t0)
    print('== worst case: 16-node host, 6-node guest that does not fit ==')
    print('rtnova RealtimeFilter: %s per host (max of 5: %s), passes=%s' %
          (fmt_us(statistics.median(rt_times)), fmt_us(max(rt_times)),
           rt_dec))
    if args.skip_nova_worst:
        print('nova NUMATopologyFilter: skipped (--skip-nova-worst)')
        return int(rt_dec)
    t0 = clock()
    nova_dec = numa_topology_filter.NUMATopologyFilter().host_passes(
        fs.host_state(topo), spec)
    nova_time = clock() - t0
    print('nova NUMATopologyFilter: %.2f s per host, passes=%s' %
          (nova_time, nova_dec))
    print('speed-up: %.0fx' % (nova_time / statistics.median(rt_times)))
    return int(rt_dec != nova_dec)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, default=10000)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--skip-nova-worst', action='store_true',
                        help='do not time nova on the worst case (~9 s)')
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    bad = main_pass(args)
    print()
    bad += worst_case(args)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
