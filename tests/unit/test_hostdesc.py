"""rtnova-plan's description of this machine, read from /sys."""

from oslo_config import cfg
import testtools

from nova.conf import compute as nova_compute_conf

import rtnova.conf
from rtnova.hardware import host as host_mod
from rtnova import hostdesc
from tests.unit import status_fakes


def _conf(**compute):
    conf = cfg.ConfigOpts()
    nova_compute_conf.register_opts(conf)
    rtnova.conf.register_opts(conf)
    conf([])
    for name, value in compute.items():
        conf.set_override(name, value, group='compute')
    conf.set_override('emulator_pin_set', '2-3', group='rtnova')
    return conf


class ThisHostTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        files = dict(status_fakes.READY_HOST)
        for node in (0, 1):
            files['sys/devices/system/node/node%d/meminfo' % node] = (
                'Node %d MemTotal:       16777216 kB' % node)
        # SMT pairs (0,1), (2,3), ...: siblings across nodes are not
        # realistic, so pair CPUs of one node: (0,2), (4,6), ...
        for first in range(0, 12, 4):
            for base in (first, first + 1):
                pair = '%d,%d' % (base, base + 2)
                for cpu in (base, base + 2):
                    files['sys/devices/system/cpu/cpu%d/topology/'
                          'thread_siblings_list' % cpu] = pair
        files['sys/devices/system/node/node0/hugepages/'
              'hugepages-1048576kB/free_hugepages'] = '1'
        self.tree = self.useFixture(status_fakes.FakeHostTree(files))

    def test_describes_nodes_pages_siblings_and_sets(self):
        desc = hostdesc.this_host(self.tree.probe,
                                  _conf(cpu_dedicated_set='4-11'))
        host = host_mod.from_description(desc)
        self.assertEqual([0, 1], [c.id for c in host.cells])
        cell0 = host.cells[0]
        self.assertEqual(frozenset({0, 2, 4, 6, 8, 10}), cell0.cpus)
        self.assertEqual(frozenset({4, 6, 8, 10}), cell0.pcpuset)
        self.assertEqual(16384, cell0.memory_mb)
        # 4 x 1 GiB reserved, 1 free: 3 in use by someone else
        gig = cell0.pages(1048576)
        self.assertEqual((4, 3), (gig.total, gig.used))
        # small pages: what the hugepages leave
        self.assertEqual((16777216 - 4 * 1048576) // 4,
                         cell0.pages(4).total)
        # only the usable (dedicated) CPUs of each sibling pair remain
        self.assertEqual({frozenset({4, 6}), frozenset({8, 10})},
                         set(cell0.siblings))
        self.assertEqual(frozenset({2, 3}), host.emulator_pool)
        self.assertIn('isolcpus', host.kernel_cmdline)

    def test_legacy_vcpu_pin_set(self):
        conf = _conf()
        conf.set_override('vcpu_pin_set', '8-11')
        host = host_mod.from_description(
            hostdesc.this_host(self.tree.probe, conf))
        self.assertEqual(frozenset({8, 9, 10, 11}), host.dedicated_cpus)
