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

"""RealtimeFilter in place of NUMATopologyFilter, in nova's own scheduler.

nova's in-process services (API, conductor, scheduler, placement, compute
with the fake libvirt) run with ``NUMATopologyFilter`` removed from the
enabled filters and ``RealtimeFilter`` added, as the scheduler guide tells
operators. The filter alone then decides NUMA fit: guests land where the
compute claim accepts them, and a full host is refused at scheduling, not
by a failed claim.
"""

from nova import conf as nova_conf

from tests.functional import base

CONF = nova_conf.CONF
DEDICATED_SPECS = {'hw:cpu_policy': 'dedicated'}


class RealtimeFilterReplacesNovaTest(base.RtnovaServersTestBase):

    def _setup_services(self):
        enabled = [f for f in CONF.filter_scheduler.enabled_filters
                   if f != 'NUMATopologyFilter']
        self.flags(enabled_filters=enabled, group='filter_scheduler')
        super()._setup_services()

    def setUp(self):
        super().setUp()
        enabled = CONF.filter_scheduler.enabled_filters
        self.assertNotIn('NUMATopologyFilter', enabled)
        self.assertIn('RealtimeFilter', enabled)
        # two NUMA nodes x 4 cores, all dedicated
        self.start_rt_compute(dedicated='0-7',
                              info=base.host_info(nodes=2, cores=4))

    def _pcpus(self, server):
        tree = self.defined_tree(server)
        return {int(p.get('cpuset')) for p in tree.findall(
            './cputune/vcpupin')}

    def test_fills_the_host_then_refuses_it(self):
        flavor = self._create_flavor(vcpu=3, memory_mb=1024,
                                     extra_spec=DEDICATED_SPECS)
        first = self._create_server(flavor_id=flavor, networks='none')
        second = self._create_server(flavor_id=flavor, networks='none')
        pinned = [self._pcpus(first), self._pcpus(second)]
        # one guest per node, never a pCPU twice
        self.assertEqual(set(), pinned[0] & pinned[1])
        self.assertEqual({0, 1}, {min(p) // 4 for p in pinned})
        # placement still has 2 free PCPUs, but one per node: a 2-vCPU
        # guest fits no node, and the filter (not a claim) refuses it
        pair = self._create_flavor(vcpu=2, memory_mb=512,
                                   extra_spec=DEDICATED_SPECS)
        refused = self._create_server(flavor_id=pair, networks='none',
                                      expected_state='ERROR')
        self.assertIn('No valid host', refused['fault']['message'])
        self.assertIn('RealtimeFilter: (start: 1, end: 0)',
                      self.stdlog.logger.output)
        # a 1-vCPU guest still fits the free pCPU of either node
        small = self._create_flavor(vcpu=1, memory_mb=512,
                                    extra_spec=DEDICATED_SPECS)
        third = self._create_server(flavor_id=small, networks='none')
        self.assertEqual(set(), self._pcpus(third) & (pinned[0] |
                                                      pinned[1]))

    def test_guest_larger_than_a_node_needs_two_nodes(self):
        flavor = self._create_flavor(vcpu=6, memory_mb=1024,
                                     extra_spec=DEDICATED_SPECS)
        self._create_server(flavor_id=flavor, networks='none',
                            expected_state='ERROR')
        two_nodes = self._create_flavor(
            vcpu=6, memory_mb=1024,
            extra_spec=dict(DEDICATED_SPECS, **{'hw:numa_nodes': '2'}))
        server = self._create_server(flavor_id=two_nodes, networks='none')
        self.assertEqual(6, len(self._pcpus(server)))
