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

"""Fuzzing the request model: no surprise, every refusal names its key."""

import random
import re

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from rtnova.hardware import errors
from rtnova.hardware import policies
from rtnova.hardware import request
from tests.unit import base
from tests.unit import rt_inputs

# every key (or key family, for hw:numa_cpus.N) a refusal may name
_KEY_RE = re.compile(r'(hw[:_][a-z_]+(\.(\d+|N))?|resources\d*:[A-Z_]+|'
                     r'trait\d*:[A-Z_]+)')

_junk = st.one_of(st.text(max_size=8), st.integers(-5, 200).map(str),
                  st.sampled_from(['^', '-', ',', ' ', '1-', 'fifo:',
                                   '1e3', '0x10', '\u00e9']))
_keys = st.sampled_from([
    'hw:cpu_policy', 'hw:cpu_realtime', 'hw:cpu_realtime_mask',
    'hw:emulator_threads_policy', 'hw:cpu_thread_policy',
    'hw:mem_page_size', 'hw:numa_nodes', 'hw:numa_cpus.0', 'hw:numa_mem.0',
    'hw:locked_memory', 'hw:cpu_dedicated_mask', 'hw:cpu_realtime_policy',
    'hw:cpu_realtime_priority', 'hw:emulator_threads_sched',
    'hw:iothreads_sched', 'resources:CUSTOM_RT_EMULATOR_POOL',
    'resources:PCPU', 'resources:VCPU', 'trait:HW_CPU_HYPERTHREADING'])
_image_keys = _keys.map(lambda k: k.replace('hw:', 'hw_', 1))


def _check(test, vcpus, memory_mb, extra, image):
    try:
        req = request.build_request(vcpus, memory_mb, extra, image)
    except errors.InvalidRequest as exc:
        given_keys = set(extra) | set(image)
        named = {m.group(0) for m in _KEY_RE.finditer(exc.key)}
        test.assertTrue(named, exc.key)
        for key in named:
            family = key.rsplit('.', 1)[0] if key.endswith('.N') else key
            test.assertTrue(
                any(k == key or k.startswith(family + '.') or k == family
                    for k in given_keys),
                'refusal names %r, not among %r' % (key, given_keys))
        test.assertIn(exc.key, str(exc))
        return None
    test.assertEqual(req.vcpus, len(req.rt_vcpus | req.non_rt_vcpus))
    test.assertFalse(req.rt_vcpus & req.non_rt_vcpus)
    if req.realtime:
        test.assertIn(req.rt_policy, policies.REALTIME_SCHED)
        test.assertTrue(1 <= req.rt_priority <= 49)
    return req


class FuzzTest(base.TestCase):

    @settings(max_examples=2000, deadline=None)
    @given(st.integers(1, 8), st.sampled_from([512, 1024, 4096]),
           st.dictionaries(_keys, _junk, max_size=6),
           st.dictionaries(_image_keys, _junk, max_size=3))
    def test_junk_values(self, vcpus, memory_mb, extra, image):
        _check(self, vcpus, memory_mb, extra, image)

    @settings(max_examples=2000, deadline=None)
    @given(st.randoms(use_true_random=False))
    def test_plausible_flavors_with_rtnova_keys(self, rng):
        vcpus, memory_mb, extra, image = rt_inputs.nova_combo(rng)
        rt_inputs.rtnova_keys(rng, extra, image)
        _check(self, vcpus, memory_mb, extra, image)

    def test_fuzz_reaches_acceptance(self):
        # the plausible generator must produce valid requests too, with
        # rtnova's keys in effect
        rng = random.Random(3)
        accepted = 0
        for _ in range(2000):
            vcpus, memory_mb, extra, image = rt_inputs.nova_combo(rng)
            rt_inputs.rtnova_keys(rng, extra, image)
            req = _check(self, vcpus, memory_mb, extra, image)
            accepted += bool(req and req.realtime)
        self.assertGreater(accepted, 100)
