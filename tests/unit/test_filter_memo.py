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

"""The filter's remembered decisions follow the host's usage.

nova re-reads every compute node's NUMA topology for each request; rtnova
reuses its host model (and the fit decisions remembered on it) only while
the content is unchanged. A change of usage -- one the free-pCPU prefilter
cannot see, such as hugepages -- must never be answered from a stale memo,
and neither may a change of allocation ratios.
"""

import gc
from unittest import mock
import weakref

from nova import objects
from nova.scheduler.filters import numa_topology_filter

from rtnova.scheduler import filters
from tests.unit import base
from tests.unit import fit_scenarios as fs


def _host(gig_pages_used=0, memory_usage=0, shared=False):
    cells = []
    for node in (0, 1):
        cpus = set(range(node * 8, node * 8 + 8))
        cpuset = cpus if shared else set()
        cells.append(objects.NUMACell(
            id=node, cpuset=cpuset, pcpuset=cpus - cpuset, memory=8192,
            cpu_usage=0, memory_usage=memory_usage, pinned_cpus=set(),
            siblings=[{c} for c in sorted(cpus)], socket=0,
            mempages=[
                # 4 GiB of small pages beside 4 GiB of 1 GiB pages
                objects.NUMAPagesTopology(size_kb=4, total=4 * 262144,
                                          used=0, reserved=0),
                objects.NUMAPagesTopology(size_kb=fs.PAGE_1G, total=4,
                                          used=gig_pages_used, reserved=0)]))
    topology = objects.NUMATopology(cells=cells)
    # a fresh object from the "database record", as HostState.update does
    return objects.NUMATopology.obj_from_db_obj(topology._to_json())


class RememberedDecisionTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.rt = filters.RealtimeFilter()
        self.nova = numa_topology_filter.NUMATopologyFilter()

    def _both(self, host_kwargs, spec, ratios=(4.0, 1.5)):
        got = self.rt.host_passes(
            fs.host_state(_host(**host_kwargs), 'node-a', *ratios), spec)
        want = self.nova.host_passes(
            fs.host_state(_host(**host_kwargs), 'node-a', *ratios), spec)
        self.assertEqual(want, got, (host_kwargs, ratios))
        return got

    def test_decision_follows_hugepage_usage_across_rereads(self):
        inst = fs.rt_request(vcpus=2, cells=1, pagesize=fs.PAGE_1G,
                             memory_mb=2048)
        spec = fs.request_spec(inst, fs.extra_specs_of(inst))
        answers = []
        for used in (0, 0, 2, 2, 3, 3, 2, 4):
            answers.append(self._both({'gig_pages_used': used}, spec))
        self.assertEqual([True, True, True, True, False, False, True,
                          False], answers)

    def test_allocation_ratios_are_part_of_the_decision(self):
        cell = objects.InstanceNUMACell(id=0, cpuset={0, 1}, pcpuset=set(),
                                        memory=2048, cpu_policy=None,
                                        cpu_thread_policy=None)
        inst = objects.InstanceNUMATopology(cells=[cell])
        spec = fs.request_spec(inst)
        host = {'memory_usage': 7000, 'shared': True}
        answers = [self._both(host, spec, ratios)
                   for ratios in ((4.0, 1.5), (4.0, 1.0), (4.0, 1.5))]
        self.assertEqual([True, False, True], answers)


class FingerprintTest(base.TestCase):
    """A conversion is reused only for the content it was made from."""

    def test_cell_changed_in_place_is_not_answered_from_the_cache(self):
        from rtnova.scheduler import host_model
        cache = host_model.HostTopologyCache()
        seen = _host()
        before = cache.get(seen, node='n1')
        self.assertEqual(frozenset(), before.cells[0].pinned_cpus)
        # nova's claim pins in place: NUMACell.pin_cpus does |= on the set
        seen.cells[0].pin_cpus({4, 5})
        # the next request re-reads the record, now with the pinned CPUs
        reread = objects.NUMATopology.obj_from_db_obj(seen._to_json())
        after = cache.get(reread, node='n1')
        self.assertEqual(frozenset({4, 5}), after.cells[0].pinned_cpus)
        self.assertIsNot(before, after)

    def test_unchanged_reread_reuses_the_conversion(self):
        from rtnova.scheduler import host_model
        cache = host_model.HostTopologyCache()
        seen = _host(gig_pages_used=1)
        before = cache.get(seen, node='n1')
        reread = objects.NUMATopology.obj_from_db_obj(seen._to_json())
        self.assertIs(before, cache.get(reread, node='n1'))


class RequestDecisionsTest(base.TestCase):
    """``filter_all`` answers a host it has decided for this request, on
    this topology object, from that decision (nova filters the hosts again
    for the next instance of a multi-instance request), and nothing else.
    """

    def setUp(self):
        super().setUp()
        self.rt = filters.RealtimeFilter()
        inst = fs.rt_request(vcpus=2, cells=1, pagesize=fs.PAGE_1G,
                             memory_mb=2048)
        self.spec = fs.request_spec(inst, fs.extra_specs_of(inst))

    def _screens(self, states, spec=None):
        """(hosts passed, hosts screened) of one filter_all call."""
        from rtnova.scheduler import host_screen
        real = host_screen.screener
        calls = []

        def screener(bounds):
            # the filter takes its screen function once per call
            screen = real(bounds)

            def counted(*args, **kwargs):
                calls.append(args[1])
                return screen(*args, **kwargs)
            return counted

        with mock.patch.object(host_screen, 'screener', screener):
            passed = self.rt.filter_all(states, spec or self.spec)
        return len(passed), len(calls)

    def test_same_request_same_hosts_answered_from_its_decisions(self):
        states = [fs.host_state(_host(gig_pages_used=used), 'n%d' % used)
                  for used in (0, 2, 4)]
        self.assertEqual((2, 3), self._screens(states))
        # the next instance: the same hosts, nothing screened again
        self.assertEqual((2, 0), self._screens(states))

    def test_a_host_with_a_new_topology_object_is_decided_again(self):
        state = fs.host_state(_host(gig_pages_used=0), 'node-a')
        self.assertEqual((1, 1), self._screens([state]))
        # nova's consume_from_request (or a re-read) replaces the object:
        # here the 1 GiB pages are gone
        state.numa_topology = _host(gig_pages_used=4)
        self.assertEqual((0, 1), self._screens([state]))

    def test_another_request_decides_afresh(self):
        states = [fs.host_state(_host(), 'node-a')]
        self.assertEqual((1, 1), self._screens(states))
        inst = fs.rt_request(vcpus=2, cells=1, pagesize=fs.PAGE_1G,
                             memory_mb=2048)
        other = fs.request_spec(inst, fs.extra_specs_of(inst))
        self.assertEqual((1, 1), self._screens(states, other))

    def test_the_decisions_go_with_the_request_spec(self):
        states = [fs.host_state(_host(), 'n%d' % i) for i in range(3)]
        self._screens(states)
        view = weakref.ref(filters.request_view(self.spec))
        held = weakref.ref(states[0].numa_topology)
        self.assertIsNotNone(view())
        del self.spec
        # the view and its decisions go by reference counting, when the
        # request spec goes
        self.assertIsNone(view())
        # and keep no host topology alive: nova's own object is in a
        # cycle (its cells list points back at it), freed by a collection
        states[0].numa_topology = None
        gc.collect()
        self.assertIsNone(held())

    def test_ratios_key_the_decision_of_floating_vcpus(self):
        cell = objects.InstanceNUMACell(id=0, cpuset={0, 1}, pcpuset=set(),
                                        memory=2048, cpu_policy=None,
                                        cpu_thread_policy=None)
        spec = fs.request_spec(objects.InstanceNUMATopology(cells=[cell]))
        nova = numa_topology_filter.NUMATopologyFilter()
        topology = _host(memory_usage=7000, shared=True)
        for ratios in ((4.0, 1.5), (4.0, 1.0), (4.0, 1.5)):
            # one topology object under host states of other ratios
            got = self.rt.filter_all(
                [fs.host_state(topology, 'node-a', *ratios)], spec)
            want = list(nova.filter_all(
                [fs.host_state(topology, 'node-a', *ratios)], spec))
            self.assertEqual(len(want), len(got), ratios)
