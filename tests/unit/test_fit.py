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

"""rtnova's fit on hand-made hosts: the seeds' cases and nova's quirks."""

import copy
import random
from unittest import mock

import fixtures

from nova import objects
from nova.virt import hardware

from rtnova.hardware import cell_fit as pinning
from rtnova.hardware import fit
from rtnova.hardware import guest_topology as guest_mod
from rtnova.hardware import host_topology as host_mod
from rtnova.hardware import sample
from tests.unit import base
from tests.unit import fit_scenarios as fs
from tests.unit import host_usage as usage


def rt_guest(vcpus=1, cells=1, pool_units=1, pagesize=None,
             emulator='share', memory_mb=1024, thread=None):
    per = vcpus // cells
    return guest_mod.GuestTopology(
        cells=tuple(guest_mod.GuestCell(
            id=i, cpus=frozenset(),
            pcpus=frozenset(range(i * per, (i + 1) * per)),
            memory_mb=memory_mb, pagesize_kb=pagesize)
            for i in range(cells)),
        cpu_policy='dedicated', thread_policy=thread,
        emulator_policy=emulator, pool_units=pool_units)


def four_core_host(config):
    return host_mod.from_description({
        'name': 'small', 'cells': [{'id': 0, 'cpus': '0-3',
                                    'memory_mb': 16384,
                                    'siblings': ['0', '1', '2', '3']}],
        'config': config})


class FourCoreHostTest(base.TestCase):
    """The issue's case: 1 pool core + 3 dedicated cores."""

    def _fill(self, host, guest):
        placed = []
        while True:
            result = fit.fit(guest, host)
            if not result:
                return placed, result
            host = usage.apply(host, guest, result)
            placed.append(result)

    def test_three_rt_guests_fit_with_a_one_core_pool(self):
        host = four_core_host({'cpu_dedicated_set': '1-3',
                               'emulator_pin_set': '0'})
        placed, last = self._fill(host, rt_guest())
        self.assertEqual(3, len(placed))
        self.assertEqual([{1}, {2}, {3}],
                         sorted(set(p.pcpus) for p in placed))
        for p in placed:
            self.assertEqual({0}, p.emulator_cpus())
        self.assertIn('no host cell', last.reason)

    def test_nova_isolate_fits_one(self):
        host = four_core_host({'cpu_dedicated_set': '1-3'})
        placed, _ = self._fill(host, rt_guest(pool_units=0,
                                              emulator='isolate'))
        self.assertEqual(1, len(placed))
        self.assertEqual(1, len(placed[0].cpuset_reserved))
        self.assertEqual(placed[0].cpuset_reserved, placed[0].emulator_cpus())

    def test_pool_capacity_is_never_overcommitted(self):
        host = host_mod.from_description({
            'name': 'h', 'cells': [{'id': 0, 'cpus': '0-7',
                                    'memory_mb': 16384,
                                    'siblings': [str(c) for c in
                                                 range(8)]}],
            'config': {'cpu_dedicated_set': '1-7', 'emulator_pin_set': '0',
                       'emulator_pool_guests_per_cpu': 2}})
        placed, last = self._fill(host, rt_guest())
        self.assertEqual(2, len(placed))
        self.assertIn('emulator pool full: 2 of 2 units used', last.reason)

    def test_pool_request_on_a_host_without_pool(self):
        host = four_core_host({'cpu_dedicated_set': '1-3'})
        result = fit.fit(rt_guest(), host)
        self.assertFalse(result)
        self.assertIn('emulator_pin_set', result.reason)


class SampleHostTest(base.TestCase):
    """The seeds' setup guide host and rt1.small flavor shape."""

    def test_emulators_go_to_the_local_pool_cpu(self):
        host = host_mod.from_description(sample.SAMPLE_HOST)
        guest = rt_guest(vcpus=4, pagesize=1048576, memory_mb=4096)
        result = fit.fit(guest, host)
        self.assertTrue(result)
        cell = result.cells[0].host_cell
        self.assertEqual(1048576, result.cells[0].pagesize_kb)
        # node 0 holds CPU 2 of the pool, node 1 CPU 3
        self.assertEqual({2 + cell}, result.emulator_cpus())
        self.assertEqual(set(), result.pcpus - host.dedicated_cpus)

    def test_gigabyte_pages_run_out(self):
        host = host_mod.from_description(sample.SAMPLE_HOST)
        guest = rt_guest(vcpus=2, pagesize=1048576, memory_mb=4096)
        placed = 0
        while True:
            result = fit.fit(guest, host)
            if not result:
                break
            host = usage.apply(host, guest, result)
            placed += 1
        # four 1 GiB pages per node, 4 GiB per guest
        self.assertEqual(2, placed)
        for cell in host.cells:
            self.assertEqual(
                [0], [p.free for p in cell.mempages if p.size_kb == 1048576])


class NoBlowUpTest(base.TestCase):

    def _sixteen_node_host(self, free_cells):
        topo, _ = fs.random_host(random.Random(1), nodes=16,
                                 cores=4, smt=False, fill=0.0,
                                 shared=False)
        for cell in topo.cells:
            # small pages only, all free: only pCPUs decide
            cell.mempages = [objects.NUMAPagesTopology(
                size_kb=4, total=cell.memory * 256, used=0, reserved=0)]
        for cell in topo.cells[free_cells:]:
            cell.pinned_cpus = set(cell.pcpuset)
        return topo

    def test_six_node_guest_on_sixteen_nodes_checks_each_cell_once(self):
        topo = self._sixteen_node_host(free_cells=5)
        guest = fs.plain_guest(fs.rt_request(vcpus=12, cells=6,
                                             pagesize=None,
                                             memory_mb=6 * 1024))
        with mock.patch.object(pinning, 'fit_cell',
                               wraps=pinning.fit_cell) as fit_cell:
            result = fit.fit(guest, fs.plain_host(topo))
        self.assertFalse(result)
        self.assertLessEqual(fit_cell.call_count, 16)
        self.assertIn('guest cell 5', result.reason)

    def test_six_node_guest_fits_when_six_cells_are_free(self):
        topo = self._sixteen_node_host(free_cells=6)
        inst = fs.rt_request(vcpus=12, cells=6, pagesize=None,
                             memory_mb=6 * 1024)
        result = fit.fit(fs.plain_guest(inst), fs.plain_host(topo))
        want = hardware.numa_fit_instance_to_host(topo, copy.deepcopy(inst),
                                                  None)
        self.assertTrue(result)
        self.assertEqual(set(range(6)),
                         {c.host_cell for c in result.cells})
        self.assertEqual(fs.nova_answer(want), fs.rtnova_answer(result))


class _PackStrategy(fixtures.Fixture):
    def _setUp(self):
        from nova import conf
        conf.CONF.set_override(
            'packing_host_numa_cells_allocation_strategy', True, 'compute')
        self.addCleanup(conf.CONF.clear_override,
                        'packing_host_numa_cells_allocation_strategy',
                        'compute')


class NovaQuirksTest(base.TestCase):
    """nova behaviours rtnova reproduces because the claim has them."""

    def _cell(self, cid, cpus, pinned=(), pages=None):
        return objects.NUMACell(
            id=cid, cpuset=set(), pcpuset=set(cpus), memory=8192,
            cpu_usage=0, memory_usage=0, pinned_cpus=set(pinned),
            siblings=[{c} for c in cpus], socket=0,
            mempages=[objects.NUMAPagesTopology(size_kb=s, total=t, used=0,
                                                reserved=0)
                      for s, t in (pages or {4: 2097152}).items()])

    def test_page_size_fixed_on_first_cell_even_when_cpus_fail(self):
        # With the packing strategy host cell 0 (no free pCPU) is tried
        # first. It offers 2 MiB pages, so nova fixes the guest's "large"
        # page size to 2 MiB there before failing on CPUs -- and then
        # refuses cell 1, which has free pCPUs but only 1 GiB pages.
        self.useFixture(_PackStrategy())
        topo = objects.NUMATopology(cells=[
            self._cell(0, [0, 1], pinned=[0, 1],
                       pages={4: 1024, 2048: 2048}),
            self._cell(1, [2, 3], pages={4: 1024, 1048576: 4}),
            self._cell(2, [4, 5], pinned=[4, 5], pages={4: 1024})])
        inst = objects.InstanceNUMATopology(cells=[objects.InstanceNUMACell(
            id=0, cpuset=set(), pcpuset={0}, memory=1024, pagesize=-2,
            cpu_policy='dedicated')])
        want = hardware.numa_fit_instance_to_host(topo, copy.deepcopy(inst),
                                                  None)
        got = fit.fit(fs.plain_guest(inst), fs.plain_host(topo), pack=True)
        self.assertIsNone(want)
        self.assertFalse(got)
        # the same guest asking for 1 GiB pages outright fits cell 1
        inst.cells[0].pagesize = 1048576
        self.assertEqual(1, fit.fit(fs.plain_guest(inst), fs.plain_host(
            topo), pack=True).cells[0].host_cell)

    def test_isolate_reserves_one_pcpu_next_to_guest_cell_zero(self):
        topo = objects.NUMATopology(cells=[self._cell(0, [0, 1, 2, 3]),
                                           self._cell(1, [4, 5, 6, 7])])
        inst = fs.rt_request(vcpus=4, cells=2, pagesize=None,
                             emulator='isolate')
        want = hardware.numa_fit_instance_to_host(topo, copy.deepcopy(inst),
                                                  None)
        got = fit.fit(fs.plain_guest(inst), fs.plain_host(topo))
        self.assertEqual(fs.nova_answer(want), fs.rtnova_answer(got))
        self.assertEqual(1, len(got.cpuset_reserved))
        self.assertEqual(got.cpuset_reserved, got.emulator_cpus())

    def test_isolate_on_legacy_pin_set_smt_hosts_matches_nova(self):
        # Only on hosts configured with vcpu_pin_set (nova reports the
        # same CPUs as shared and dedicated) does nova place an 'isolate'
        # guest on SMT cores; an isolated emulator thread then gets a
        # pCPU from a core that holds none of the guest's threads.
        rng = random.Random(1889633)
        spare_from_other_core = 0
        for _ in range(150):
            topo, _pool = fs.random_host(rng, nodes=rng.choice([1, 2]),
                                         smt=True, pool=False,
                                         fill=rng.random() * 0.6)
            for cell in topo.cells:
                cell.cpuset = set(cell.pcpuset)
            inst = fs.rt_request(vcpus=rng.choice([1, 2, 3]), pagesize=None,
                                 emulator=rng.choice(['isolate', 'share']))
            inst.cells[0].cpu_thread_policy = 'isolate'
            want = hardware.numa_fit_instance_to_host(
                topo, copy.deepcopy(inst), None)
            got = fit.fit(fs.plain_guest(inst), fs.plain_host(topo))
            self.assertEqual(fs.nova_answer(want), fs.rtnova_answer(got))
            if got and got.cpuset_reserved:
                cores = [s for c in topo.cells for s in c.siblings]
                used = {pcpu for _vcpu, pcpu in got.cells[0].pinning}
                spare_from_other_core += all(
                    not (core & used) for core in cores
                    if core & got.cpuset_reserved)
        self.assertGreater(spare_from_other_core, 10)
