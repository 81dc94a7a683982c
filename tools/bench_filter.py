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
as real nova ``HostState`` objects and real-time requests as real
``RequestSpec`` objects, and runs both filters over every host. Each rtnova
pass is timed against nova's filter on the same hosts and the same request
shape, and its decisions are compared with nova's on every host.

The rtnova passes, each one of the filter's three situations:

* cold -- the first call for every host: filter state emptied, host
  objects never seen before;
* re-read, new shape -- hosts re-read from the database (new objects, same
  content, as nova's HostManager hands them over for each request) and a
  request shape the filter has not seen: nothing the filter remembers
  answers it;
* memo hit -- the same request (the same spec object) on the same host
  objects once more, as nova's scheduler filters the hosts again for the
  next instance of a multi-instance request: every host is answered from
  the decision the filter made for this request and this topology object.

Each pass is one ``filter_all`` call. The shapes here are all decided by
the cell bounds, from nova's objects as they are (see the scheduler
guide), so the cold and re-read passes cost the same; the conversions and
the per-host-model memo serve the requests the bounds leave to the exact
fit.

Then nova's whole ``HostManager.get_filtered_hosts()`` for one request,
with nova's default filters alone, plus NUMATopologyFilter, plus
RealtimeFilter.

Then the worst case, a 16-node host on which a 6-node guest does not fit,
timed cold in every round (filter state emptied, a new host object).

Run from the repository root: python -m tools.bench_filter [--hosts 10000]
(``--profile N``: the rtnova passes under cProfile instead, N functions
each).
"""

import argparse
import copy
import cProfile
import gc
import io
import logging
import os
import pstats
import random
import statistics
import sys
import time

import nova.conf
from nova import objects
from nova.scheduler.filters import numa_topology_filter
from nova.scheduler import host_manager
from nova.virt import hardware
from oslo_utils import timeutils

from rtnova.scheduler import filters
from rtnova.scheduler import host_model
from tests.unit import fit_scenarios as fs

CONF = nova.conf.CONF

# (letter, description, fs.rt_request keywords); A is the cold pass, the
# others are the re-read passes in this order, the last one repeated (same
# spec, same host objects) for the memo-hit pass
SHAPES = (
    ('A', '4 vCPUs, 1 node, 1 GiB pages',
     dict(vcpus=4, cells=1, pagesize=fs.PAGE_1G)),
    ('B', '2 vCPUs, 1 node, 2 MiB pages',
     dict(vcpus=2, cells=1, pagesize=fs.PAGE_2M)),
    ('C', '6 vCPUs, 1 node, 1 GiB pages, emulator isolate',
     dict(vcpus=6, cells=1, pagesize=fs.PAGE_1G, emulator='isolate')),
    ('D', '8 vCPUs, 2 nodes, 1 GiB pages',
     dict(vcpus=8, cells=2, pagesize=fs.PAGE_1G, memory_mb=4096)),
)
COLD = 'cold: first call, hosts never seen'
REREAD = 're-read, new shape: nothing cached'
MEMO = 'memo hit: same request, same hosts'


def forget_everything():
    """Empty the filter's module-level state: host conversions (and the
    decision memo they carry), request views, request-shape keys.
    """
    host_model._HOSTS = host_model.HostTopologyCache()
    filters._VIEWS = host_model.IdentityCache()
    filters._GUEST_KEYS.clear()
    filters._limits.cache_clear()


def make_hosts(rng, count):
    hosts = []
    for i in range(count):
        topo, _pool = fs.random_host(
            rng, nodes=rng.choice([1, 2, 2, 2, 4, 4, 8, 16]),
            cores=rng.choice([4, 6, 8]), fill=rng.random())
        hosts.append(topo)
    return hosts


def reread(jsons, names):
    """Host states as the scheduler has them for a request: nova re-reads
    every compute node's NUMA topology from the database (a new object,
    here with unchanged content) before filtering.
    """
    return [fs.host_state(objects.NUMATopology.obj_from_db_obj(j), n)
            for j, n in zip(jsons, names)]


class GcClock:
    """CPU seconds spent in Python's garbage collector."""

    def __init__(self):
        self.total = 0.0
        self._start = None
        gc.callbacks.append(self._callback)

    def _callback(self, phase, _info):
        if phase == 'start':
            self._start = time.process_time()
        elif self._start is not None:
            self.total += time.process_time() - self._start
            self._start = None


GC_CLOCK = GcClock()


def run_pass(filt, states, spec):
    """(pass CPU seconds, wall seconds, CPU seconds of it in the
    collector, decisions).

    Calls ``filter_all``, as nova's filter handler does once per filter
    and request (nova's NUMATopologyFilter inherits the per-host loop;
    RealtimeFilter reads the request once and screens all hosts). CPU
    time is this process's: other jobs on a shared machine stretch the
    wall time of a pass, not its CPU time.
    """
    # every pass starts from a collected heap, so no pass pays for the
    # garbage of the one before
    gc.collect()
    gc_before = GC_CLOCK.total
    cpu, wall = time.process_time(), time.perf_counter()
    passed = list(filt.filter_all(states, spec))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    passed = set(map(id, passed))
    return (cpu, wall, GC_CLOCK.total - gc_before,
            [id(state) in passed for state in states])


def compare(nova_dec, rt_dec, states, inst):
    """(differing, refused where nova's own claim would fail)."""
    differ = claim_fails = 0
    limits = fs.nova_limits(fs.LIMITS)
    for want, got, state in zip(nova_dec, rt_dec, states):
        if want == got:
            continue
        nova_result = hardware.numa_fit_instance_to_host(
            state.numa_topology, copy.deepcopy(inst), None, limits=limits)
        if want and fs.nova_claim_fails(state.numa_topology, nova_result):
            claim_fails += 1
        else:
            differ += 1
    return differ, claim_fails


def remembered(spec, states):
    """How many of ``states`` the filter's decisions for ``spec`` hold
    (by the identity of the host's topology object, as the filter looks
    them up).
    """
    view = filters.request_view(spec)
    held = set(map(id, view.held))
    return sum(1 for state in states
               if id(state.numa_topology) in view.decided and
               id(state.numa_topology) in held)


def fmt_us(seconds):
    if seconds >= 1e-3:
        return '%.2f ms' % (seconds * 1e3)
    return '%.0f us' % (seconds * 1e6)


def load():
    return '%.2f %.2f %.2f' % os.getloadavg()


def main_pass(args):
    rng = random.Random(args.seed)
    jsons = [t._to_json() for t in make_hosts(rng, args.hosts)]
    names = ['h%d' % i for i in range(len(jsons))]
    nova_filter = numa_topology_filter.NUMATopologyFilter()
    rt_filter = filters.RealtimeFilter()
    plan = ([(COLD, SHAPES[0])] + [(REREAD, s) for s in SHAPES[1:]] +
            [(MEMO, SHAPES[-1])])
    print('== %d hosts, each pass: nova NUMATopologyFilter and rtnova '
          'RealtimeFilter on the same hosts and request ==' % len(jsons))
    for letter, text, _kw in SHAPES:
        print('shape %s: real-time request, %s' % (letter, text))
    print('load average at start (1/5/15 min): %s' % load())
    head = ('%-38s %-5s %10s %9s %8s %10s %9s %8s %8s %8s %7s %6s %10s' % (
        'rtnova pass', 'shape', 'nova/host', 'nova', 'nova gc',
        'rtnova/host', 'rtnova', 'rt gc', 'speed-up', 'wall', 'passing',
        'differ', 'claim-fail'))
    print(head)
    bad = 0
    nova_runs = {}
    forget_everything()
    for label, (letter, _text, kw) in plan:
        if label != MEMO:
            # a new request, on hosts re-read from their records
            inst = fs.rt_request(**kw)
            spec = fs.request_spec(inst, fs.extra_specs_of(inst))
            states = reread(jsons, names)
        if letter not in nova_runs:
            nova_runs[letter] = run_pass(nova_filter, reread(jsons, names),
                                         spec)
        nova_cpu, nova_wall, nova_gc, nova_dec = nova_runs[letter]
        cpu, wall, rt_gc, dec = run_pass(rt_filter, states, spec)
        differ, claim_fails = compare(nova_dec, dec, states, inst)
        bad += differ
        print('%-38s %-5s %10s %7.3f s %6.2f s %10s %7.3f s %6.2f s %7.1fx '
              '%7.1fx %7d %6d %10d' % (
                  label, letter, fmt_us(nova_cpu / len(states)), nova_cpu,
                  nova_gc, fmt_us(cpu / len(states)), cpu, rt_gc,
                  nova_cpu / cpu, nova_wall / wall, sum(nova_dec), differ,
                  claim_fails))
    print('load average at end: %s' % load())
    print('memo hit pass: %d of %d hosts answered from the decisions this '
          'request made on these topology objects' % (
              remembered(spec, states), len(states)))
    print('nova, rtnova: CPU seconds of the pass (filter_all over all '
          'hosts); nova/host, rtnova/host: that divided by the hosts; nova '
          'gc, rt gc: of that, CPU seconds in Python\'s garbage collector; '
          'speed-up: nova CPU / rtnova CPU; wall: the same ratio of wall '
          'times (stretched by other jobs on a shared machine); passing: '
          'hosts nova passes; differ: hosts where rtnova decides otherwise; '
          'claim-fail: hosts nova passes with a pinning its own claim '
          'cannot record, which rtnova refuses (the documented exception, '
          'not counted in differ)')
    return bad, jsons, names


class BenchHostManager(host_manager.HostManager):
    """nova's HostManager without its database reads at start-up (cell
    mappings, aggregates, instances): the filtering is nova's own.
    """

    def refresh_cells_caches(self):
        self.enabled_cells = []
        self.cells = {}

    def _init_aggregates(self):
        pass

    def _init_instance_info(self, computes_by_cell=None):
        pass


def scheduler_states(jsons, names):
    """Re-read host states as ComputeFilter needs them: a live service."""
    now = timeutils.utcnow()
    states = reread(jsons, names)
    for state in states:
        state.service = {'disabled': False, 'last_seen_up': now,
                         'created_at': now, 'host': state.host}
    return states


def host_manager_pass(args, jsons, names):
    """nova's ``HostManager.get_filtered_hosts`` on one request, with
    nova's default filter list plus each NUMA filter.
    """
    inst = fs.rt_request(**SHAPES[1][2])
    spec = fs.request_spec(inst, fs.extra_specs_of(inst))
    spec.instance_group = None
    spec.ignore_hosts = spec.force_hosts = spec.force_nodes = None
    spec.requested_destination = None
    spec.scheduler_hints = {}
    default = list(CONF.filter_scheduler.enabled_filters)
    CONF.set_override('available_filters', [
        'nova.scheduler.filters.all_filters',
        'rtnova.scheduler.filters.RealtimeFilter'], 'filter_scheduler')
    print('== nova HostManager.get_filtered_hosts(), %d hosts, shape B, '
          'hosts re-read ==' % len(jsons))
    print('%-58s %9s %9s %8s' % ('enabled filters', 'cpu', 'wall',
                                 'passing'))
    runs = {}
    for label, extra in (('nova default', []),
                         ('nova default + NUMATopologyFilter',
                          ['NUMATopologyFilter']),
                         ('nova default + RealtimeFilter',
                          ['RealtimeFilter'])):
        CONF.set_override('enabled_filters', default + extra,
                          'filter_scheduler')
        manager = BenchHostManager()
        states = scheduler_states(jsons, names)
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        passed = list(manager.get_filtered_hosts(states, spec))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        runs[label] = (cpu, wall, sorted(s.nodename for s in passed))
        print('%-58s %7.3f s %7.3f s %8d' % (label, cpu, wall, len(passed)))
    CONF.clear_override('enabled_filters', 'filter_scheduler')
    CONF.clear_override('available_filters', 'filter_scheduler')
    nova_run = runs['nova default + NUMATopologyFilter']
    rt_run = runs['nova default + RealtimeFilter']
    print('speed-up of the request\'s filtering, nova / rtnova: %.1fx CPU, '
          '%.1fx wall; same hosts passed: %s' % (
              nova_run[0] / rt_run[0], nova_run[1] / rt_run[1],
              nova_run[2] == rt_run[2]))
    print('cpu, wall: CPU and wall seconds of get_filtered_hosts() for the '
          'request; passing: hosts left')
    return int(nova_run[2] != rt_run[2])


def worst_case(args):
    """16 host cells, 6 guest cells; only 5 host cells have room."""
    rng = random.Random(args.seed)
    topo, _ = fs.random_host(rng, nodes=16, cores=4, smt=False, fill=0.0,
                             shared=False)
    for cell in topo.cells[5:]:
        cell.pinned_cpus = set(cell.pcpuset)
    inst = fs.rt_request(vcpus=12, cells=6, pagesize=None,
                         memory_mb=6 * 1024)
    rt_filter = filters.RealtimeFilter()
    clock = time.perf_counter
    rt_times, models = [], []
    # start from a collected heap: the main pass leaves ~10^6 objects
    # whose collection would otherwise be billed to this one host
    gc.collect()
    for i in range(5):
        # cold every round: no conversion, memo or request view survives,
        # the host object and its node name are new
        forget_everything()
        spec = fs.request_spec(inst, fs.extra_specs_of(inst))
        state = fs.host_state(topo.obj_clone(), 'worst%d' % i)
        t0 = clock()
        rt_dec = rt_filter.host_passes(state, spec)
        rt_times.append(clock() - t0)
        models.append(host_model.cached_host(state.numa_topology))
    # each round built its own host model, and with it an empty decision
    # memo (the memo lives on the model)
    if len(set(map(id, models))) != len(models):
        raise SystemExit('worst case: a round reused a host model')
    print('== worst case: 16-node host, 6-node guest that does not fit ==')
    print('rtnova RealtimeFilter, cold (caches emptied, a new host object) '
          'every round: median of 5 %s, max %s, passes=%s' %
          (fmt_us(statistics.median(rt_times)), fmt_us(max(rt_times)),
           rt_dec))
    if args.skip_nova_worst:
        print('nova NUMATopologyFilter: skipped (--skip-nova-worst)')
        return int(rt_dec)
    t0 = clock()
    nova_dec = numa_topology_filter.NUMATopologyFilter().host_passes(
        fs.host_state(topo), spec)
    nova_time = clock() - t0
    print('nova NUMATopologyFilter: %.2f s for this host (one call), '
          'passes=%s' % (nova_time, nova_dec))
    print('speed-up, cold rtnova median vs nova: %.0fx' %
          (nova_time / statistics.median(rt_times)))
    print('load average at end: %s' % load())
    return int(rt_dec != nova_dec)


def profile_passes(args):
    """The rtnova passes of the main table again, each under cProfile:
    where a pass's time goes, by function (nova's filter is not run).
    """
    rng = random.Random(args.seed)
    jsons = [t._to_json() for t in make_hosts(rng, args.hosts)]
    names = ['h%d' % i for i in range(len(jsons))]
    rt_filter = filters.RealtimeFilter()
    forget_everything()
    plan = ([(COLD, SHAPES[0])] + [(REREAD, s) for s in SHAPES[1:]] +
            [(MEMO, SHAPES[-1])])
    for label, (letter, _text, kw) in plan:
        if label != MEMO:
            inst = fs.rt_request(**kw)
            spec = fs.request_spec(inst, fs.extra_specs_of(inst))
            states = reread(jsons, names)
        gc.collect()
        profiler = cProfile.Profile()
        profiler.runcall(rt_filter.filter_all, states, spec)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        print('== cProfile, %d hosts: %s (%s), by internal time ==' % (
            len(states), label, letter))
        stats.sort_stats('tottime').print_stats(args.profile)
        # the table only: pstats' header and footer say nothing more
        print('\n'.join(line for line in out.getvalue().splitlines()
                        if line.strip() and 'function calls' not in line
                        and 'Ordered by' not in line and
                        'List reduced' not in line))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--hosts', type=int, default=10000)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--skip-nova-worst', action='store_true',
                        help='do not time nova on the worst case (~20 s)')
    parser.add_argument('--profile', type=int, metavar='N', default=0,
                        help='instead of the timings: each rtnova pass '
                        'under cProfile, its N costliest functions')
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    if args.profile:
        return profile_passes(args)
    bad, jsons, names = main_pass(args)
    print()
    bad += host_manager_pass(args, jsons, names)
    print()
    bad += worst_case(args)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
