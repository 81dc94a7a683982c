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

"""rtnova reads nova's keys exactly as nova 34 does.

The same generated flavors and images go through nova's own functions
(``get_realtime_cpu_constraint``, ``get_emulator_thread_policy_constraint``,
``get_locked_memory_constraint``, ``numa_get_constraints``, with real
``objects.Flavor`` / ``objects.ImageMeta``) and through
``rtnova.hardware.request.build_request``. Whatever nova refuses rtnova must
refuse; whatever nova accepts rtnova must accept with the same real-time
vCPUs, emulator thread policy, locked memory and guest NUMA cells.
"""

import random


from nova import objects
from nova.virt import hardware as nova_hw

from rtnova.hardware import errors
from rtnova.hardware import request
from tests.unit import base
from tests.unit import rt_inputs

COMBOS = 12000
SEED = 20260322


def nova_view(vcpus, memory_mb, extra, image):
    """nova's answer, or None when nova refuses (any exception)."""
    try:
        flavor = objects.Flavor(name='f', vcpus=vcpus, memory_mb=memory_mb,
                                extra_specs=dict(extra))
        image_meta = objects.ImageMeta.from_dict(
            {'name': 'i', 'properties': dict(image)})
        rt = nova_hw.get_realtime_cpu_constraint(flavor, image_meta)
        emulator = nova_hw.get_emulator_thread_policy_constraint(flavor)
        locked = nova_hw.get_locked_memory_constraint(flavor, image_meta)
        topology = nova_hw.numa_get_constraints(flavor, image_meta)
    except Exception:
        return None
    cells = None
    if topology is not None:
        cells = [(c.id, set(c.cpuset), set(c.pcpuset), c.memory, c.pagesize,
                  c.cpu_policy, c.cpu_thread_policy) for c in topology.cells]
        cells.append(topology.emulator_threads_policy)
    return set(rt or ()), emulator, bool(locked), cells


def rtnova_view(vcpus, memory_mb, extra, image):
    try:
        req = request.build_request(vcpus, memory_mb, extra, image)
    except errors.InvalidRequest:
        return None
    topo = req.topology
    cells = None
    if topo is not None:
        cells = [(c.id, set(c.cpus), set(c.pcpus), c.memory_mb,
                  c.pagesize_kb, topo.cpu_policy, topo.thread_policy)
                 for c in topo.cells]
        cells.append(topo.emulator_policy)
    assert req.realtime == bool(req.rt_vcpus)
    assert req.rt_vcpus | req.non_rt_vcpus == set(range(vcpus))
    return set(req.rt_vcpus), req.emulator_policy, req.locked_memory, cells


class NovaEquivalenceTest(base.TestCase):

    def setUp(self):
        super().setUp()
        objects.register_all()

    def test_same_answers_as_nova_34(self):
        rng = random.Random(SEED)
        disagreements = []
        accepted = realtime = with_cells = 0
        for _ in range(COMBOS):
            combo = rt_inputs.nova_combo(rng)
            expected = nova_view(*combo)
            actual = rtnova_view(*combo)
            if expected != actual:
                disagreements.append((combo, expected, actual))
                continue
            if expected is not None:
                accepted += 1
                realtime += bool(expected[0])
                with_cells += expected[3] is not None
        self.assertEqual([], disagreements[:5],
                         '%d disagreements' % len(disagreements))
        # the generator must exercise acceptance as well as refusal
        self.assertGreater(accepted, COMBOS // 5)
        self.assertGreater(realtime, COMBOS // 10)
        self.assertGreater(with_cells, COMBOS // 5)
        self.assertGreater(COMBOS - accepted, COMBOS // 2)

    def test_the_seeds_flavor(self):
        extra = {'hw:cpu_policy': 'dedicated', 'hw:cpu_realtime': 'yes',
                 'hw:cpu_realtime_mask': '^0-1', 'hw:mem_page_size': '1GB'}
        view = nova_view(4, 4096, extra, {})
        self.assertEqual({2, 3}, view[0])
        self.assertEqual(view, rtnova_view(4, 4096, extra, {}))
