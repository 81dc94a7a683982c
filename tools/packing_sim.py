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

"""Packing simulation: rtnova's emulator pool vs nova's emulator policies.

The same fleet and the same stream of real-time requests (1, 2 or 4 RT
vCPUs, one NUMA cell, dedicated CPUs) are placed first-fit by

* rtnova + pool: emulator and I/O threads on ``[rtnova] emulator_pin_set``
  (one core per host), counted against the pool's capacity
  (``emulator_pool_guests_per_cpu``), vCPUs on the rest;
* nova mask: ``hw:cpu_realtime_mask`` needs one non-RT vCPU per guest to
  carry the emulator threads, i.e. one more dedicated pCPU;
* nova isolate: ``hw:emulator_threads_policy=isolate`` reserves one more
  dedicated pCPU per guest;
* nova share: ``hw:emulator_threads_policy=share`` + ``cpu_shared_set``
  (one core): dense, but nothing counts the guests leaning on the shared
  core.

Every placement is decided by rtnova's fit (identical to nova's claim) and
applied to the host, so nothing is double-booked. "Host cores" are the cores
given to guests (dedicated + shared/pool); the host OS's own housekeeping
cores are the same in every model and not counted.

Run from the repository root:
    python -m tools.packing_sim [--hosts 100] [--requests 6000] [--seed 1]
"""

import argparse
import random
import sys

from rtnova.hardware import fit
from rtnova.hardware import guest_topology as guest_mod
from rtnova.hardware import host_topology as host_mod
from tests.unit import host_usage as usage

MODELS = ('rtnova+pool', 'nova mask', 'nova isolate', 'nova share')


def host_desc(name, nodes, cores_per_node, model, per_cpu=20):
    """Guest cores 0..N-1 (no SMT); core 0 is the pool / shared core."""
    total = nodes * cores_per_node
    cells = [{'id': n,
              'cpus': '%d-%d' % (n * cores_per_node,
                                 (n + 1) * cores_per_node - 1),
              'memory_mb': 65536,
              'siblings': [str(c) for c in range(n * cores_per_node,
                                                 (n + 1) * cores_per_node)]}
             for n in range(nodes)]
    config = {'cpu_dedicated_set': '0-%d' % (total - 1)}
    if model == 'rtnova+pool':
        config = {'cpu_dedicated_set': '1-%d' % (total - 1),
                  'emulator_pin_set': '0',
                  'emulator_pool_guests_per_cpu': per_cpu}
    elif model == 'nova share':
        config = {'cpu_dedicated_set': '1-%d' % (total - 1),
                  'cpu_shared_set': '0'}
    return {'name': name, 'cells': cells, 'config': config}


def request(rt_vcpus, model):
    """The guest each model needs for ``rt_vcpus`` real-time vCPUs."""
    vcpus = rt_vcpus + 1 if model == 'nova mask' else rt_vcpus
    emulator = {'nova isolate': 'isolate', 'nova mask': None}.get(
        model, 'share')
    cell = guest_mod.GuestCell(id=0, cpus=frozenset(),
                               pcpus=frozenset(range(vcpus)),
                               memory_mb=1024)
    return guest_mod.GuestTopology(
        cells=(cell,), cpu_policy='dedicated', emulator_policy=emulator,
        pool_units=1 if model == 'rtnova+pool' else 0)


def place_stream(hosts, stream, model):
    """First-fit every request; returns (guests placed, RT vCPUs)."""
    placed = rt_vcpus = 0
    free = [sum(len(c.free_pcpus) for c in h.cells) for h in hosts]
    for want in stream:
        guest = request(want, model)
        # cheap pre-check: pCPUs the guest needs, with isolate's extra one
        need = guest.vcpus + (guest.emulator_policy == 'isolate')
        for i, host in enumerate(hosts):
            if free[i] < need:
                continue
            result = fit.fit(guest, host)
            if result:
                hosts[i] = usage.apply(host, guest, result)
                free[i] = sum(len(c.free_pcpus) for c in hosts[i].cells)
                placed += 1
                rt_vcpus += want
                break
    return placed, rt_vcpus


def guest_cores(hosts):
    return sum(len(c.cpus) for h in hosts for c in h.cells)


def four_core_case():
    print('== 4-core host: pool/shared = 1 core, 3 dedicated cores; '
          '1-vCPU real-time guests ==')
    for model in MODELS:
        hosts = [host_mod.from_description(host_desc('h', 1, 4, model))]
        if model in ('nova mask', 'nova isolate'):
            # nova without a pool: core 0 stays with the host
            hosts = [host_mod.from_description(dict(
                host_desc('h', 1, 4, model),
                config={'cpu_dedicated_set': '1-3'}))]
        placed, _ = place_stream(hosts, [1] * 10, model)
        print('  %-14s %d guests' % (model, placed))


def fleet(args):
    rng = random.Random(args.seed)
    stream = [rng.choice([1, 2, 4]) for _ in range(args.requests)]
    print('== fleet: %d hosts x %d NUMA nodes x %d cores, %d requests '
          '(1/2/4 RT vCPUs) ==' % (args.hosts, args.nodes, args.cores,
                                   len(stream)))
    print('  %-14s %8s %9s %22s' % ('model', 'guests', 'RT vCPUs',
                                    'RT vCPUs / host core'))
    for model in MODELS:
        hosts = [host_mod.from_description(
            host_desc('h%d' % i, args.nodes, args.cores, model,
                      args.per_cpu)) for i in range(args.hosts)]
        cores = guest_cores(hosts)
        placed, rt_vcpus = place_stream(hosts, stream, model)
        note = ''
        if model == 'rtnova+pool':
            note = ' (pool units used: %d of %d)' % (
                sum(h.pool_used for h in hosts),
                sum(h.pool_capacity for h in hosts))
        elif model == 'nova share':
            note = ' (shared core load not accounted)'
        print('  %-14s %8d %9d %22.3f%s' % (model, placed, rt_vcpus,
                                            rt_vcpus / cores, note))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, default=100)
    parser.add_argument('--nodes', type=int, default=2)
    parser.add_argument('--cores', type=int, default=16,
                        help='guest cores per NUMA node')
    parser.add_argument('--requests', type=int, default=6000)
    parser.add_argument('--per-cpu', type=int, default=20,
                        help='[rtnova] emulator_pool_guests_per_cpu')
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args()
    four_core_case()
    print()
    fleet(args)


if __name__ == '__main__':
    sys.exit(main())
