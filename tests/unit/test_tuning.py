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

"""The tuning plan (pure): what the guest XML is rendered from."""

from hypothesis import given
from hypothesis import strategies as st

from rtnova.hardware import emulator
from rtnova.hardware import host_topology as host_mod
from rtnova.hardware import placement
from rtnova.hardware import request as request_mod
from rtnova.hardware import sample
from rtnova.hardware import tuning
from tests.unit import base

PAGE_1G = 1048576
POOL_KEY = 'resources:CUSTOM_RT_EMULATOR_POOL'
RT_SPECS = sample.RT1_SMALL['extra_specs']
ALL_RT_POOL = {
    'hw:cpu_policy': 'dedicated',
    'hw:cpu_realtime': 'yes',
    'hw:emulator_threads_policy': 'share',
    POOL_KEY: '1',
}


def _request(vcpus=4, extra=None, memory_mb=4096):
    return request_mod.build_request(
        vcpus, memory_mb, dict(RT_SPECS if extra is None else extra), {})


def _host(pool='2-3', shared=None):
    desc = dict(sample.SAMPLE_HOST)
    desc['config'] = dict(desc['config'], emulator_pin_set=pool,
                          cpu_shared_set=shared)
    return host_mod.from_description(desc)


def _cell(vcpus, cpus, host_cell=1, guest_cell=0, pagesize_kb=PAGE_1G,
          **kwargs):
    return placement.CellPlacement(
        guest_cell=guest_cell, host_cell=host_cell,
        vcpus=frozenset(vcpus), pinning=tuple(zip(vcpus, cpus)),
        pagesize_kb=pagesize_kb, **kwargs)


def _plan(request, cells, host, **kwargs):
    """The plan of ``cells`` placed on ``host``, as the driver builds it."""
    pool_cpus = frozenset()
    if request.pool_units and host.emulator_pool:
        pool_cpus = emulator.local_pool_cpus(
            host, {c.host_cell for c in cells})
    placed = placement.Placement(
        cells=tuple(cells), emulator_policy=request.emulator_policy,
        pool_units=request.pool_units, pool_cpus=pool_cpus,
        shared_cpus=host.shared_cpus)
    return tuning.plan(request, placed, **kwargs)


# rt1.small as nova's claim places it on host node 1 of the sample host
RT1_CELLS = [_cell([0, 1, 2, 3], [5, 7, 9, 11])]


class Rt1SmallPlanTest(base.TestCase):
    """The seeds' flavor on the seeds' host, without the pool resource."""

    def setUp(self):
        super().setUp()
        self.plan = _plan(_request(), RT1_CELLS, _host())

    def test_one_vcpupin_per_vcpu_from_the_claim(self):
        self.assertEqual(
            ((0, {5}), (1, {7}), (2, {9}), (3, {11})),
            tuple((v, set(c)) for v, c in self.plan.vcpupin))

    def test_rt_vcpus_grouped_in_one_vcpusched(self):
        self.assertEqual(
            (tuning.VcpuSched(frozenset({2, 3}), 'fifo', 10),),
            self.plan.vcpusched)

    def test_emulator_on_non_rt_vcpus_like_nova(self):
        # no pool resource: nova's semantics (mask, no policy)
        self.assertFalse(self.plan.uses_pool)
        self.assertEqual({5, 7}, self.plan.emulatorpin)
        self.assertEqual(((1, frozenset({5, 7})),), self.plan.iothreadpin)

    def test_memory_strict_on_the_claimed_node_with_1g_pages(self):
        self.assertEqual(((0, 1),), self.plan.memnodes)
        self.assertEqual({1}, self.plan.memory_nodeset)
        self.assertEqual((tuning.HugePage(PAGE_1G, frozenset({0})),),
                         self.plan.hugepages)
        self.assertTrue(self.plan.locked)
        self.assertTrue(self.plan.nosharepages)

    def test_latency_features_on(self):
        self.assertEqual(tuning.LatencyFeatures(), self.plan.features)

    def test_memory_lock_switched_off_by_the_operator(self):
        # [rtnova] realtime_lock_memory = False: no <locked/>, the rest kept
        off = tuning.LatencyFeatures(lock_memory=False)
        plan = _plan(_request(extra=RT_SPECS), RT1_CELLS, _host(),
                     features=off)
        self.assertFalse(plan.locked)
        self.assertTrue(plan.nosharepages)
        self.assertEqual(self.plan.hugepages, plan.hugepages)

    def test_explicit_locked_memory_kept_when_switched_off(self):
        extra = dict(RT_SPECS, **{'hw:locked_memory': 'true'})
        plan = _plan(_request(extra=extra), RT1_CELLS, _host(),
                     features=tuning.LatencyFeatures(lock_memory=False))
        self.assertTrue(plan.locked)

    def test_no_thread_sched_unless_asked(self):
        self.assertIsNone(self.plan.emulatorsched)
        self.assertIsNone(self.plan.iothreadsched)


class PoolPlanTest(base.TestCase):

    def test_pool_cpus_on_the_guest_node(self):
        extra = dict(RT_SPECS, **{POOL_KEY: '1'})
        plan = _plan(_request(extra=extra), RT1_CELLS, _host())
        self.assertTrue(plan.uses_pool)
        # node 1 has CPUs 1,3,5,..; pool is 2-3
        self.assertEqual({3}, plan.emulatorpin)
        self.assertEqual(((1, frozenset({3})),), plan.iothreadpin)

    def test_whole_pool_when_none_on_the_guest_node(self):
        extra = dict(RT_SPECS, **{POOL_KEY: '1'})
        plan = _plan(_request(extra=extra), RT1_CELLS,
                     _host(pool='2'))
        self.assertEqual({2}, plan.emulatorpin)

    def test_all_rt_single_vcpu_on_pool(self):
        plan = _plan(_request(1, ALL_RT_POOL, 1024),
                     [_cell([0], [4], host_cell=0, pagesize_kb=None)],
                     _host())
        self.assertEqual({2}, plan.emulatorpin)
        self.assertEqual(
            (tuning.VcpuSched(frozenset({0}), 'fifo', 10),), plan.vcpusched)
        self.assertEqual((), plan.hugepages)
        self.assertTrue(plan.locked)

    def test_pool_resource_without_host_pool_keeps_nova_semantics(self):
        shared = _host(pool=None, shared='0-1')
        plan = _plan(_request(1, ALL_RT_POOL, 1024),
                     [_cell([0], [4], host_cell=0)], shared)
        self.assertFalse(plan.uses_pool)
        # share + cpu_shared_set: nova pins to the shared set
        self.assertEqual({0, 1}, plan.emulatorpin)

    def test_non_rt_pool_guest_only_moves_emulator_threads(self):
        extra = {'hw:cpu_policy': 'dedicated', POOL_KEY: '1'}
        plan = _plan(_request(2, extra, 1024),
                     [_cell([0, 1], [4, 6], host_cell=0,
                            pagesize_kb=None)], _host())
        self.assertEqual({2}, plan.emulatorpin)
        self.assertEqual((), plan.vcpusched)
        self.assertFalse(plan.locked)
        self.assertFalse(plan.nosharepages)
        self.assertIsNone(plan.features)


class NovaSemanticsTest(base.TestCase):
    """Without the pool the plan places emulator threads as nova does."""

    def test_isolate_uses_the_reserved_pcpu(self):
        extra = {'hw:cpu_policy': 'dedicated', 'hw:cpu_realtime': 'yes',
                 'hw:emulator_threads_policy': 'isolate'}
        cell = _cell([0, 1], [5, 7], cpuset_reserved=frozenset({9}))
        plan = _plan(_request(2, extra, 1024), [cell], _host())
        self.assertEqual({9}, plan.emulatorpin)

    def test_unpinned_vcpus_float_over_the_shared_cpus(self):
        cell = placement.CellPlacement(
            guest_cell=0, host_cell=0, vcpus=frozenset({0, 1, 2, 3}),
            pinning=((2, 4), (3, 6)), floating_cpus=frozenset({0, 2}))
        plan = _plan(_request(), [cell], _host())
        self.assertEqual({0, 2}, plan.vcpupin[0][1])
        self.assertEqual({0, 2}, plan.emulatorpin)


class SchedulingRequestTest(base.TestCase):

    def test_policy_priority_and_thread_sched(self):
        extra = dict(RT_SPECS, **{
            'hw:cpu_realtime_policy': 'rr',
            'hw:cpu_realtime_priority': '20',
            'hw:emulator_threads_sched': 'fifo:5',
            'hw:iothreads_sched': 'rr:3'})
        plan = _plan(_request(extra=extra), RT1_CELLS, _host())
        self.assertEqual(
            (tuning.VcpuSched(frozenset({2, 3}), 'rr', 20),), plan.vcpusched)
        self.assertEqual(tuning.ThreadSched('fifo', 5), plan.emulatorsched)
        self.assertEqual(tuning.ThreadSched('rr', 3), plan.iothreadsched)

    def test_features_are_the_operators(self):
        features = tuning.LatencyFeatures(pmu_off=False, no_usb=False)
        plan = _plan(_request(), RT1_CELLS, _host(),
                     features=features)
        self.assertIs(features, plan.features)


class MultiNodeTest(base.TestCase):

    def test_a_page_and_a_strict_memnode_per_guest_node(self):
        extra = dict(RT_SPECS, **{'hw:numa_nodes': '2'})
        cells = [_cell([0, 1], [4, 6], host_cell=0, guest_cell=0),
                 _cell([2, 3], [5, 7], host_cell=1, guest_cell=1)]
        plan = _plan(_request(extra=extra), list(reversed(cells)),
                     _host())
        self.assertEqual(((0, 0), (1, 1)), plan.memnodes)
        self.assertEqual(
            (tuning.HugePage(PAGE_1G, frozenset({0})),
             tuning.HugePage(PAGE_1G, frozenset({1}))), plan.hugepages)

    def test_pool_local_to_every_guest_node(self):
        extra = dict(RT_SPECS, **{'hw:numa_nodes': '2', POOL_KEY: '1'})
        cells = [_cell([0, 1], [4, 6], host_cell=0, guest_cell=0),
                 _cell([2, 3], [5, 7], host_cell=1, guest_cell=1)]
        plan = _plan(_request(extra=extra), cells, _host())
        self.assertEqual({2, 3}, plan.emulatorpin)


@st.composite
def _placements(draw):
    """A random rt guest on the sample host's dedicated CPUs 4-11."""
    vcpus = draw(st.integers(min_value=2, max_value=8))
    pcpus = draw(st.permutations(range(4, 12)))[:vcpus]
    mask = draw(st.integers(min_value=1, max_value=vcpus - 1))
    pool = draw(st.sampled_from(['2-3', '2', '3', None]))
    node = draw(st.sampled_from([0, 1]))
    return vcpus, pcpus, mask, pool, node


class PlanPropertiesTest(base.TestCase):

    @given(_placements())
    def test_plan_invariants(self, drawn):
        vcpus, pcpus, mask, pool, node = drawn
        extra = dict(RT_SPECS, **{'hw:cpu_realtime_mask': '^0-%d' % (
            mask - 1) if mask > 1 else '^0'})
        if pool:
            extra[POOL_KEY] = '1'
        request = _request(vcpus, extra)
        cell = _cell(list(range(vcpus)), pcpus, host_cell=node)
        plan = _plan(request, [cell], _host(pool=pool))

        # every vCPU pinned exactly once, to the CPU the claim chose
        self.assertEqual([(v, {p}) for v, p in enumerate(pcpus)],
                         [(v, set(c)) for v, c in plan.vcpupin])
        rt_pcpus = {pcpus[v] for v in request.rt_vcpus}
        # emulator/I/O threads never share a pCPU with a real-time vCPU
        self.assertFalse(plan.emulatorpin & rt_pcpus)
        self.assertTrue(plan.emulatorpin)
        if pool:
            self.assertTrue(plan.emulatorpin <= host_mod.from_description(
                sample.SAMPLE_HOST).emulator_pool)
        for _id, cpus in plan.iothreadpin:
            self.assertEqual(plan.emulatorpin, cpus)
        self.assertEqual(request.rt_vcpus, plan.vcpusched[0].vcpus)
