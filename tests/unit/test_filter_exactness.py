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

"""RealtimeFilter decides exactly as nova 34's NUMATopologyFilter.

Random hosts (1-16 NUMA cells, SMT on/off, empty to full, shared sets,
hugepages) and random requests (every CPU, thread, emulator and page size
policy nova supports, even and uneven cells) go to both filters as real
nova ``HostState``/``RequestSpec`` objects; the pass/fail answers must be
equal, and rtnova's pinning must be the one ``numa_fit_instance_to_host``
records.
"""

import copy
import random

from nova import objects
from nova.objects import fields
from nova.scheduler.filters import numa_topology_filter
from nova.virt import hardware

from rtnova.hardware import fit
from rtnova.scheduler import filters
from tests.unit import base
from tests.unit import fit_scenarios as fs

CASES = 700
REQUEST_ID = "8c3f0c52-8d5f-4b4a-9f25-1e6e2a9f0d11"


class FilterExactnessTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.rt = filters.RealtimeFilter()
        self.nova = numa_topology_filter.NUMATopologyFilter()

    def _pair(self, rng, **host_kw):
        topo, _pool = fs.random_host(rng, **host_kw)
        inst = fs.random_request(rng, max_cells=len(topo.cells))
        return topo, inst

    def test_host_passes_equals_nova(self):
        rng = random.Random(4)
        passed = 0
        for i in range(CASES):
            topo, inst = self._pair(rng)
            spec = fs.request_spec(inst, fs.extra_specs_of(inst))
            rt_state = fs.host_state(topo)
            nova_state = fs.host_state(topo)
            got = self.rt.host_passes(rt_state, spec)
            want = self.nova.host_passes(nova_state, spec)
            if want and not got:
                # only where nova's own claim would fail on this host
                self.assertTrue(fs.nova_claim_fails(topo, _nova_fit(
                    topo, inst, fs.LIMITS)), 'case %d' % i)
                continue
            self.assertEqual(want, got, 'case %d: %r on %r' % (i, inst, topo))
            self.assertEqual(len(nova_state.allocation_candidates),
                             len(rt_state.allocation_candidates))
            if want:
                passed += 1
                self.assertEqual(
                    nova_state.limits['numa_topology'].obj_to_primitive(),
                    rt_state.limits['numa_topology'].obj_to_primitive())
        # the generator must exercise both answers
        self.assertGreater(passed, CASES // 10)
        self.assertLess(passed, CASES - CASES // 10)

    def test_pinning_equals_nova_claim(self):
        rng = random.Random(5)
        fitted = 0
        for i in range(CASES):
            topo, inst = self._pair(rng)
            limits = fs.LIMITS if i % 2 else None
            nova_result = _nova_fit(topo, inst, limits)
            want = fs.nova_answer(nova_result)
            got = fs.rtnova_answer(fit.fit(
                fs.plain_guest(inst), fs.plain_host(topo), limits=limits))
            if got is None and want is not None:
                self.assertTrue(fs.nova_claim_fails(topo, nova_result))
                continue
            self.assertEqual(want, got, 'case %d' % i)
            fitted += want is not None
        self.assertGreater(fitted, CASES // 10)

    def test_packing_strategy_and_pci_order(self):
        # nova's other host cell orders: pack instead of spread, and the
        # PCI-count sort of hosts that have PCI device pools
        rng = random.Random(6)
        for i in range(300):
            topo, inst = self._pair(rng, nodes=rng.choice([3, 4, 8]))
            pack = bool(i % 2)
            self.flags_pack(pack)
            counts = {c.id: rng.randint(0, 3) for c in topo.cells}
            stats = _FakePciStats(counts)
            want = fs.nova_answer(hardware.numa_fit_instance_to_host(
                topo, copy.deepcopy(inst), None, pci_stats=stats))
            got = fs.rtnova_answer(fit.fit(
                fs.plain_guest(inst), fs.plain_host(topo), pack=pack,
                pci_counts=filters._pci_counts(stats)))
            self.assertEqual(want, got, 'case %d' % i)

    def flags_pack(self, pack):
        from nova import conf
        conf.CONF.set_override(
            'packing_host_numa_cells_allocation_strategy', pack, 'compute')
        self.addCleanup(conf.CONF.clear_override,
                        'packing_host_numa_cells_allocation_strategy',
                        'compute')

    def test_multi_cell_uneven_requests(self):
        # uneven multi-cell guests exercise nova's cache quirks (instance
        # cell ids rewritten during the permutation walk)
        rng = random.Random(7)
        for i in range(400):
            topo, _ = fs.random_host(rng, nodes=rng.choice([3, 4, 6]))
            inst = fs.random_request(rng, max_cells=3)
            nova_result = _nova_fit(topo, inst, None)
            want = fs.nova_answer(nova_result)
            got = fs.rtnova_answer(fit.fit(
                fs.plain_guest(inst), fs.plain_host(topo)))
            if got is None and want is not None:
                self.assertTrue(fs.nova_claim_fails(topo, nova_result))
                continue
            self.assertEqual(want, got, 'case %d' % i)

    def test_delegates_pci_requests_to_nova(self):
        # A PCI device on host NUMA node 1 only, and a guest asking for it
        # (nova's default 'legacy' PCI NUMA affinity: the device must be on
        # one of the guest's host cells when the host reports its node).
        inst = fs.rt_request(vcpus=2, pagesize=None)
        spec = fs.request_spec(inst, fs.extra_specs_of(inst))
        spec.pci_requests = objects.InstancePCIRequests(requests=[
            objects.InstancePCIRequest(
                count=1, spec=[{'vendor_id': '8086', 'product_id': '154d'}],
                request_id=REQUEST_ID)])
        rng = random.Random(8)
        room, _ = fs.random_host(rng, nodes=2, cores=4, smt=False,
                                 fill=0.0, shared=False)
        node1_full = room.obj_clone()
        node1_full.cells[1].pinned_cpus = set(node1_full.cells[1].pcpuset)
        answers = []
        for topo in (room, node1_full):
            self.assertEqual('PCI device requests', filters.delegation_reason(
                filters.request_view(spec), None))
            want = self.nova.host_passes(_pci_host_state(topo), spec)
            got = self.rt.host_passes(_pci_host_state(topo), spec)
            self.assertEqual(want, got)
            answers.append(got)
        # nova passes the host while node 1 has room ...
        self.assertEqual([True, False], answers)
        # ... and refuses it once node 1 is full, where rtnova's own fit
        # (which does not model PCI devices) would place the guest on node
        # 0: only a delegated decision refuses this host
        self.assertTrue(fit.fit(fs.plain_guest(inst),
                                fs.plain_host(node1_full)))

    def test_no_candidates_fails_like_nova(self):
        rng = random.Random(9)
        topo, _ = fs.random_host(rng, nodes=2, fill=0.0)
        inst = fs.rt_request(vcpus=1, pagesize=None)
        spec = fs.request_spec(inst, fs.extra_specs_of(inst))
        state = fs.host_state(topo, candidates=0)
        self.assertFalse(self.rt.host_passes(state, spec))
        self.assertFalse(self.nova.host_passes(fs.host_state(
            topo, candidates=0), spec))
        self.assertTrue(self.rt.host_passes(fs.host_state(topo), spec))


def _nova_fit(topo, inst, limits):
    return hardware.numa_fit_instance_to_host(
        topo, copy.deepcopy(inst), None,
        limits=fs.nova_limits(limits) if limits else None)


def _pci_host_state(topo):
    """A host state with real PCI pools: one 8086:154d NIC on node 1."""
    from nova.pci import stats
    from nova.pci import whitelist
    pci_stats = stats.PciDeviceStats(
        topo, dev_filter=whitelist.Whitelist(
            ['{"vendor_id": "8086", "product_id": "154d"}']))
    pci_stats.add_device(objects.PciDevice.create(None, {
        'compute_node_id': 1, 'address': '0000:81:00.0',
        'vendor_id': '8086', 'product_id': '154d', 'numa_node': 1,
        'dev_type': fields.PciDeviceType.STANDARD, 'status': 'available',
        'parent_addr': None, 'request_id': None}))
    state = fs.host_state(topo)
    state.pci_stats = pci_stats
    return state


class _FakePciStats:
    """Only what nova's host cell sort reads: ``pools``."""

    def __init__(self, counts):
        self.pools = [{'numa_node': node, 'count': n}
                      for node, n in counts.items()]
