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

"""Hypothesis: the invariants of every placement rtnova's fit produces.

Hosts and requests are drawn from the same generator as the exactness
tests, steered by hypothesis (NUMA nodes, cores, SMT, fill, request shape).
Each host is then filled guest by guest (applying every placement) until
nothing fits, so the invariants are checked on the accounting too. The
100,000-pair run is ``tools/fit_invariants.py``; this unit run stays small.
"""

import random

import hypothesis
from hypothesis import strategies as st

from rtnova.hardware import fit
from tests.unit import base
from tests.unit import fit_scenarios as fs
from tests.unit import host_usage as usage

SETTINGS = hypothesis.settings(max_examples=60, deadline=None,
                               derandomize=True)


class FitPropertiesTest(base.TestCase):

    @SETTINGS
    @hypothesis.given(seed=st.integers(0, 2 ** 32),
                      nodes=st.sampled_from([1, 2, 3, 4, 8]),
                      cores=st.integers(2, 8), smt=st.booleans(),
                      fill=st.floats(0.0, 1.0), pool=st.booleans(),
                      per_cpu=st.integers(1, 20))
    def test_filling_a_host_keeps_every_invariant(
            self, seed, nodes, cores, smt, fill, pool, per_cpu):
        rng = random.Random(seed)
        topo, pool_cpus = fs.random_host(rng, nodes=nodes, cores=cores,
                                         smt=smt, fill=fill)
        host = fs.plain_host(topo, pool_cpus, per_cpu=per_cpu)
        placed = 0
        for _ in range(40):
            guest = fs.plain_guest(fs.random_request(rng, max_cells=nodes))
            if pool and guest.cpu_policy == 'dedicated':
                guest = fs.with_pool(guest)
            result = fit.fit(guest, host)
            if not result:
                self.assertTrue(result.reason)
                continue
            self.assertEqual([], fs.broken_invariants(host, guest, result))
            host = usage.apply(host, guest, result)
            placed += 1
        self.assertLessEqual(host.pool_used, host.pool_capacity)
        dedicated = sum(len(c.pcpuset) for c in host.cells)
        pinned = sum(len(c.pinned_cpus) for c in host.cells)
        self.assertLessEqual(pinned, dedicated)

    @SETTINGS
    @hypothesis.given(seed=st.integers(0, 2 ** 32),
                      nodes=st.sampled_from([2, 4, 8]))
    def test_pool_guest_emulators_stay_local_when_they_can(self, seed,
                                                           nodes):
        rng = random.Random(seed)
        topo, pool_cpus = fs.random_host(rng, nodes=nodes, fill=0.0)
        host = fs.plain_host(topo, pool_cpus)
        guest = fs.with_pool(fs.plain_guest(
            fs.rt_request(vcpus=2, pagesize=None)))
        result = fit.fit(guest, host)
        hypothesis.assume(result)
        cell = result.cells[0].host_cell
        local = {c for c in pool_cpus if host.cell_of_cpu(c) == cell}
        self.assertEqual(local or pool_cpus, result.emulator_cpus())
        self.assertFalse(result.emulator_cpus() & host.dedicated_cpus)

    @SETTINGS
    @hypothesis.given(seed=st.integers(0, 2 ** 32))
    def test_fit_is_a_pure_function(self, seed):
        rng = random.Random(seed)
        topo, pool_cpus = fs.random_host(rng)
        host = fs.plain_host(topo, pool_cpus)
        guest = fs.plain_guest(fs.random_request(rng,
                                                 max_cells=len(topo.cells)))
        first = fit.fit(guest, host)
        again = fit.fit(guest, fs.plain_host(topo, pool_cpus))
        self.assertEqual(fs.rtnova_answer(first), fs.rtnova_answer(again))
        self.assertEqual(bool(first), bool(fit.fits(guest, host)))
