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

"""The scheduler's per-cell bounds: exact where they decide.

``RealtimeFilter.filter_all`` refuses a host with too few host cells within
a request's bounds, and takes the bounds' verdict where they make one,
without the exact fit. Both must be the fit's answer -- and so nova's --
on random hosts (1-16 cells, SMT on/off, empty to full, hugepages, shared
sets, hosts without thread sibling information) and requests (one or more
cells, emulator ``isolate``, thread policies, page sizes).
"""

import copy
import random

from nova import objects
from nova.scheduler.filters import numa_topology_filter
from nova.virt import hardware

from rtnova.hardware import cell_bounds
from rtnova.hardware import fit
from rtnova.hardware import guest_topology as guest_mod
from rtnova.scheduler import filters
from rtnova.scheduler import host_screen
from tests.unit import base
from tests.unit import fit_scenarios as fs

CASES = 3000


def _request(rng):
    """Requests the bounds apply to, and some they refuse to judge."""
    if rng.random() < 0.3:
        return fs.random_request(rng, max_cells=4)
    cells = rng.choice([1, 1, 2, 2, 3, 4])
    inst = fs.rt_request(
        vcpus=cells * rng.choice([1, 2, 3, 4, 6]), cells=cells,
        pagesize=rng.choice([None, None, fs.PAGE_2M, fs.PAGE_1G, 4]),
        memory_mb=cells * rng.choice([512, 1024, 2048, 3072]),
        emulator=rng.choice([None, 'share', 'isolate']))
    thread = rng.choice([None, None, 'prefer', 'isolate', 'require'])
    for cell in inst.cells:
        cell.cpu_thread_policy = thread
    return inst


def _host(rng, no_siblings=0.0, uncovered=0.0):
    topo, _pool = fs.random_host(rng)
    if rng.random() < no_siblings:
        # a cell without thread sibling information
        topo.cells[rng.randrange(len(topo.cells))].siblings = []
    for cell in topo.cells:
        if rng.random() < uncovered and len(cell.siblings) > 1:
            # sibling sets that leave some of the cell's pCPUs out: the
            # bounds leave such a cell's verdict to the fit
            cell.siblings = cell.siblings[:len(cell.siblings) // 2]
    # the scheduler's host: re-read from the database record
    return objects.NUMATopology.obj_from_db_obj(topo._to_json())


class BoundsMatchTheFitTest(base.TestCase):

    def test_screen_and_verdict_equal_the_fit(self):
        rng = random.Random(11)
        seen = {'refused': 0, 'fits': 0, 'no fit': 0, 'undecided': 0}
        for i in range(CASES):
            topo, inst = (_host(rng, no_siblings=0.05, uncovered=0.1),
                          _request(rng))
            guest = fs.plain_guest(inst)
            bounds = cell_bounds.bounds_of(guest)
            if bounds is None:
                continue
            pack = bool(i % 3 == 0)
            counts = ({c.id: rng.randint(0, 2) for c in topo.cells}
                      if i % 5 == 0 else None)
            within, verdict = host_screen.screen(
                bounds, topo, tuple(c.id for c in guest.cells), pack,
                counts)
            case = 'case %d: %r on %r' % (i, inst, topo)
            if not all(c.siblings for c in topo.cells):
                # neither nova's packing nor the fit runs on such a host
                # (the filter hands it to nova's): no verdict
                self.assertIsNone(verdict, case)
                seen['undecided'] += 1
                continue
            want = fit.fits(guest, fs.plain_host(topo), pack=pack,
                            pci_counts=counts)
            if within < bounds.cells:
                self.assertFalse(want, case)
                seen['refused'] += 1
            elif verdict is None:
                seen['undecided'] += 1
            else:
                self.assertTrue(bounds.decides, case)
                self.assertEqual(bool(want), verdict, case)
                seen['fits' if verdict else 'no fit'] += 1
        # the generator exercises every outcome but 'no fit': with every
        # host cell's verdict the same for all guest cells, nova's walk
        # finds a recordable assignment whenever k host cells fit
        for outcome in ('refused', 'fits', 'undecided'):
            self.assertGreater(seen[outcome], 100, (outcome, seen))
        self.assertEqual(0, seen['no fit'])

    def test_no_bounds_where_nova_changes_state_on_the_way(self):
        def guest(pagesize=None, cpus=frozenset(), policy='dedicated',
                  sizes=(1024, 1024)):
            return guest_mod.GuestTopology(
                cells=tuple(guest_mod.GuestCell(
                    id=i, cpus=cpus, pcpus=frozenset({2 * i, 2 * i + 1}),
                    memory_mb=m, pagesize_kb=pagesize)
                    for i, m in enumerate(sizes)),
                cpu_policy=policy)
        # a symbolic page size: nova fixes it on the first cell offering
        self.assertIsNone(cell_bounds.bounds_of(
            guest(pagesize=guest_mod.MEMPAGES_LARGE)))
        # uneven cells: nova's caches collide
        self.assertIsNone(cell_bounds.bounds_of(guest(sizes=(1024, 2048))))
        # floating vCPUs only: no pCPU bound
        self.assertIsNone(cell_bounds.bounds_of(guest(policy=None)))
        # mixed: bounded, but the verdict is the fit's
        mixed = cell_bounds.bounds_of(guest(cpus=frozenset({9}),
                                            policy='mixed'))
        self.assertEqual((2, 2), (mixed.cells, mixed.pcpus))
        self.assertFalse(mixed.decides)

    def test_a_host_without_free_pcpus_is_refused_with_the_reason(self):
        topo, _ = fs.random_host(random.Random(14), nodes=3, cores=6,
                                 smt=False, fill=0.0, shared=False)
        for cell, free in zip(topo.cells, (3, 2, 0)):
            cell.pinned_cpus = set(sorted(cell.pcpuset)[free:])
        inst = fs.rt_request(vcpus=4, pagesize=None)
        spec = fs.request_spec(inst, fs.extra_specs_of(inst))
        rt = filters.RealtimeFilter()
        state = fs.host_state(topo)
        with self.assertLogs('rtnova.scheduler.filters', 'DEBUG') as logs:
            self.assertEqual([], rt.filter_all([state], spec))
        self.assertIn('fewer than 1 host cell(s) with 4 free dedicated '
                      'pCPUs', logs.output[0])
        self.assertEqual([], state.allocation_candidates)
        # one more free pCPU on cell 0: the bounds pass it, as nova does
        # (nova hands over a new topology object when the usage changes)
        topo = topo.obj_clone()
        topo.cells[0].pinned_cpus = set()
        self.assertEqual(1, len(rt.filter_all([fs.host_state(topo)],
                                              spec)))

    def test_isolated_emulator_thread_needs_a_pcpu_more(self):
        inst = fs.rt_request(vcpus=3, emulator='isolate', pagesize=None)
        bounds = cell_bounds.bounds_of(fs.plain_guest(inst))
        self.assertEqual(4, bounds.pcpus)
        self.assertTrue(bounds.decides)


class FilterAllTest(base.TestCase):
    """``filter_all`` as nova's filter handler calls it, against nova."""

    def setUp(self):
        super().setUp()
        self.rt = filters.RealtimeFilter()
        self.nova = numa_topology_filter.NUMATopologyFilter()

    def test_filter_all_equals_nova(self):
        rng = random.Random(12)
        for i in range(40):
            inst = _request(rng)
            spec = fs.request_spec(inst, fs.extra_specs_of(inst))
            topos = [_host(rng) for _ in range(25)]
            rt_states = [fs.host_state(t, 'n%d' % j)
                         for j, t in enumerate(topos)]
            nova_states = [fs.host_state(t, 'n%d' % j)
                           for j, t in enumerate(topos)]
            got = set(map(id, self.rt.filter_all(rt_states, spec)))
            want = set(map(id, self.nova.filter_all(nova_states, spec)))
            for topo, rt_state, nova_state in zip(topos, rt_states,
                                                  nova_states):
                passed = id(rt_state) in got
                nova_passed = id(nova_state) in want
                if nova_passed and not passed:
                    # only where nova's own claim would fail
                    self.assertTrue(fs.nova_claim_fails(
                        topo, hardware.numa_fit_instance_to_host(
                            topo, copy.deepcopy(inst), None,
                            limits=fs.nova_limits(fs.LIMITS))))
                    continue
                self.assertEqual(nova_passed, passed, 'request %d' % i)
                self.assertEqual(len(nova_state.allocation_candidates),
                                 len(rt_state.allocation_candidates))
                if passed:
                    self.assertEqual(
                        nova_state.limits['numa_topology'].obj_to_primitive(),
                        rt_state.limits['numa_topology'].obj_to_primitive())

    def test_the_next_instance_is_answered_as_the_first(self):
        # nova filters the same host objects again for the next instance
        # of a multi-instance request: the remembered decisions must be
        # the ones made, with nova's side effects on the host states
        rng = random.Random(13)
        for i in range(20):
            inst = _request(rng)
            spec = fs.request_spec(inst, fs.extra_specs_of(inst))
            states = [fs.host_state(_host(rng),
                                    'n%d' % j) for j in range(25)]
            first = [id(s) for s in self.rt.filter_all(states, spec)]
            after = [(len(s.allocation_candidates),
                      'numa_topology' in s.limits) for s in states]
            again = [id(s) for s in self.rt.filter_all(states, spec)]
            self.assertEqual(first, again, 'request %d' % i)
            self.assertEqual(after, [(len(s.allocation_candidates),
                                      'numa_topology' in s.limits)
                                     for s in states])

    def test_a_rebuild_passes_every_host(self):
        # as nova's BaseHostFilter: NUMA changes are refused by the API
        inst = fs.rt_request(vcpus=64)
        spec = fs.request_spec(inst, fs.extra_specs_of(inst))
        spec.scheduler_hints = {'_nova_check_type': ['rebuild']}
        topo, _ = fs.random_host(random.Random(13), nodes=1, cores=2)
        states = [fs.host_state(topo, 'a'), fs.host_state(topo, 'b')]
        self.assertEqual(states, self.rt.filter_all(states, spec))
        spec.scheduler_hints = {}
        self.assertEqual([], self.rt.filter_all(states, spec))
        self.assertEqual([], states[0].allocation_candidates)

    def test_pci_requests_go_to_nova_host_by_host(self):
        inst = fs.rt_request(vcpus=2, pagesize=None)
        spec = fs.request_spec(inst, fs.extra_specs_of(inst))
        spec.pci_requests = objects.InstancePCIRequests(requests=[
            objects.InstancePCIRequest(
                count=1, spec=[{'vendor_id': '8086'}],
                request_id='8c3f0c52-8d5f-4b4a-9f25-1e6e2a9f0d12')])
        view = filters.request_view(spec)
        self.assertIsNone(view.bounds)
        self.assertEqual('PCI device requests',
                         filters.delegation_reason(view, None))


class TwoCellWalkTest(base.TestCase):

    def test_two_guest_cells_fit_wherever_two_host_cells_do(self):
        # the screen answers cell_bounds.TWO_CELLS_FIT for a two-cell
        # guest on a host with two host cells that take a guest cell,
        # without building rows: decide_fit must say the same for every
        # order of host cells, every verdict and ids that do and do not
        # collide with the guest's
        import itertools
        cases = 0
        for n in range(2, 7):
            for first in (0, 1, 5):
                for ids in itertools.permutations(range(first, first + n)):
                    for fits in itertools.product((False, True), repeat=n):
                        if sum(fits) < 2:
                            continue
                        rows = [(i, 1024 * (i % 3), 4 + i % 2, f)
                                for i, f in zip(ids, fits)]
                        for pack in (False, True):
                            cases += 1
                            self.assertIs(
                                cell_bounds.TWO_CELLS_FIT,
                                cell_bounds.decide_fit(
                                    list(rows), (0, 1), pack),
                                (rows, pack))
        self.assertGreater(cases, 100000)
