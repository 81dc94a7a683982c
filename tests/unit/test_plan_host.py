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

"""rtnova-plan's description of this machine, read from /sys."""

from oslo_config import cfg
from oslo_config import fixture as config_fixture

from nova.conf import compute as nova_compute_conf

from rtnova.cmd import plan_host as hostdesc
import rtnova.conf
from rtnova.hardware import host_topology as host_mod
from tests.unit import base
from tests.unit import status_fakes


def _conf(test, **compute):
    conf = cfg.ConfigOpts()
    nova_compute_conf.register_opts(conf)
    rtnova.conf.register_opts(conf)
    conf([])
    # nova's option groups are module-level objects that keep overrides:
    # the fixture clears them at cleanup
    fixture = test.useFixture(config_fixture.Config(conf))
    fixture.config(group='compute', **compute)
    fixture.config(group='rtnova', emulator_pin_set='2-3')
    return conf, fixture


class ThisHostTest(base.TestCase):

    def setUp(self):
        super().setUp()
        files = dict(status_fakes.READY_HOST)
        for node in (0, 1):
            files['sys/devices/system/node/node%d/meminfo' % node] = (
                'Node %d MemTotal:       16777216 kB' % node)
        # SMT pairs (0,1), (2,3), ...: siblings across nodes are not
        # realistic, so pair CPUs of one node: (0,2), (4,6), ...
        for first in range(0, 12, 4):
            for low in (first, first + 1):
                pair = '%d,%d' % (low, low + 2)
                for cpu in (low, low + 2):
                    files['sys/devices/system/cpu/cpu%d/topology/'
                          'thread_siblings_list' % cpu] = pair
        files['sys/devices/system/node/node0/hugepages/'
              'hugepages-1048576kB/free_hugepages'] = '1'
        self.tree = self.useFixture(status_fakes.FakeHostTree(files))

    def test_describes_nodes_pages_siblings_and_sets(self):
        conf, _fixture = _conf(self, cpu_dedicated_set='4-11')
        desc = hostdesc.this_host(self.tree.probe, conf)
        host = host_mod.from_description(desc)
        self.assertEqual([0, 1], [c.id for c in host.cells])
        cell0 = host.cells[0]
        self.assertEqual(frozenset({0, 2, 4, 6, 8, 10}), cell0.cpus)
        self.assertEqual(frozenset({4, 6, 8, 10}), cell0.pcpuset)
        self.assertEqual(16384, cell0.memory_mb)
        # 4 x 1 GiB reserved, 1 free: 3 in use by someone else
        pages = {p.size_kb: p for p in cell0.mempages}
        gig = pages[1048576]
        self.assertEqual((4, 3), (gig.total, gig.used))
        # small pages: what the hugepages leave
        self.assertEqual((16777216 - 4 * 1048576) // 4,
                         pages[4].total)
        # only the usable (dedicated) CPUs of each sibling pair remain
        self.assertEqual({frozenset({4, 6}), frozenset({8, 10})},
                         set(cell0.siblings))
        self.assertEqual(frozenset({2, 3}), host.emulator_pool)

    def test_legacy_vcpu_pin_set(self):
        conf, fixture = _conf(self)
        fixture.config(vcpu_pin_set='8-11')
        host = host_mod.from_description(
            hostdesc.this_host(self.tree.probe, conf))
        self.assertEqual(frozenset({8, 9, 10, 11}), host.dedicated_cpus)
