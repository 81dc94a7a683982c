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

"""The real-time guest XML, through nova's API, scheduler and compute.

Every server is booted through nova's in-process services (API ->
scheduler with ``RealtimeFilter`` -> conductor -> compute running
``rtnova.RealtimeLibvirtDriver``); the XML asserted is the document the
driver passed to libvirt's ``defineXML``, and every such document is checked
by libvirt's RNG schema and its ``test:///default`` driver.
"""

import re

import fixtures
from lxml import etree

from nova import exception
from nova.tests.functional.libvirt import base as nova_libvirt_base

from rtnova.hardware import sample
from rtnova.virt import driver as rt_driver
from tests.functional import base
from tests import xmlcheck

POOL_RC = 'CUSTOM_RT_EMULATOR_POOL'
POOL_SPEC = {'resources:%s' % POOL_RC: '1'}
# two NUMA nodes x 6 CPUs (node 0: 0-5, node 1: 6-11), four 1 GiB pages
# per node; CPU 0 and 6 carry the pool, one per node
DEDICATED = '1-5,7-11'
POOL = '0,6'
NODE_CPUS = (frozenset(range(0, 6)), frozenset(range(6, 12)))
ALL_RT_POOL_SPECS = {
    'hw:cpu_policy': 'dedicated',
    'hw:cpu_realtime': 'yes',
    'hw:emulator_threads_policy': 'share',
    'resources:%s' % POOL_RC: '1',
}


def _cpus(spec):
    cpus = set()
    for part in spec.split(','):
        first, _sep, last = part.partition('-')
        cpus.update(range(int(first), int(last or first) + 1))
    return cpus


class _DriverTestBase(base.RtnovaServersTestBase):

    def _host_info(self):
        return base.host_info(nodes=2, cores=6, gigapages_per_node=4)

    def _boot(self, vcpus, memory_mb, extra_specs, **kwargs):
        flavor = self._create_flavor(vcpu=vcpus, memory_mb=memory_mb,
                                     extra_spec=extra_specs)
        server = self._create_server(flavor_id=flavor, networks='none',
                                     **kwargs)
        xmlcheck.check_domain_xml(self.defined_xml(server))
        return server

    def _rp(self, hostname='compute1'):
        return self._get_provider_uuid_by_host(hostname)

    def _pool_usage(self, hostname='compute1'):
        return self._get_provider_usages(self._rp(hostname)).get(POOL_RC, 0)


class RealtimeGuestXMLTest(_DriverTestBase):

    def setUp(self):
        super().setUp()
        self.start_rt_compute(dedicated=DEDICATED, pool=POOL,
                              info=self._host_info())

    def _node_of(self, cpus):
        nodes = {n for n, node in enumerate(NODE_CPUS) if cpus & node}
        self.assertEqual(1, len(nodes), 'vCPUs span nodes: %s' % cpus)
        return nodes.pop()

    def _assert_rt1_small(self, tree, emulator_on_pool):
        pins = tree.findall('./cputune/vcpupin')
        self.assertEqual(['0', '1', '2', '3'], [p.get('vcpu') for p in pins])
        pcpus = [_cpus(p.get('cpuset')) for p in pins]
        self.assertTrue(all(len(c) == 1 for c in pcpus))
        pinned = set().union(*pcpus)
        self.assertEqual(4, len(pinned), 'two vCPUs share a pCPU')
        self.assertTrue(pinned <= _cpus(DEDICATED))
        node = self._node_of(pinned)

        scheds = tree.findall('./cputune/vcpusched')
        self.assertEqual(1, len(scheds))
        self.assertEqual({'vcpus': '2-3', 'scheduler': 'fifo',
                          'priority': '10'}, dict(scheds[0].attrib))

        emulator = _cpus(tree.find('./cputune/emulatorpin').get('cpuset'))
        iothread = tree.find('./cputune/iothreadpin')
        self.assertEqual('1', iothread.get('iothread'))
        self.assertEqual(emulator, _cpus(iothread.get('cpuset')))
        if emulator_on_pool:
            # the pool CPU on the guest's own node
            self.assertEqual(_cpus(POOL) & NODE_CPUS[node], emulator)
        else:
            # nova's semantics: the pCPUs of the non-RT vCPUs 0-1
            self.assertEqual(pcpus[0] | pcpus[1], emulator)

        self.assertEqual(
            {'mode': 'strict', 'nodeset': str(node)},
            dict(tree.find('./numatune/memory').attrib))
        memnodes = tree.findall('./numatune/memnode')
        self.assertEqual([{'cellid': '0', 'mode': 'strict',
                           'nodeset': str(node)}],
                         [dict(m.attrib) for m in memnodes])

        pages = tree.findall('./memoryBacking/hugepages/page')
        self.assertEqual([{'size': str(base.PAGE_1G), 'unit': 'KiB',
                           'nodeset': '0'}], [dict(p.attrib) for p in pages])
        self.assertIsNotNone(tree.find('./memoryBacking/nosharepages'))
        self.assertIsNotNone(tree.find('./memoryBacking/locked'))

        # the latency features of libvirt's KVM real-time guide
        self.assertEqual('off', tree.find('./features/pmu').get('state'))
        self.assertEqual('none', tree.find('./devices/memballoon').get(
            'model'))
        for controller in tree.findall("./devices/controller[@type='usb']"):
            self.assertEqual('none', controller.get('model'))
        self.assertEqual([], tree.findall("./devices/input[@bus='usb']"))

    def test_rt1_small_with_the_pool(self):
        specs = dict(sample.RT1_SMALL['extra_specs'], **POOL_SPEC)
        server = self._boot(4, 4096, specs)
        self._assert_rt1_small(self.defined_tree(server),
                               emulator_on_pool=True)
        self.assertEqual(1, self._pool_usage())

        self._delete_server(server)
        self.assertEqual(0, self._pool_usage())

    def test_rt1_small_as_seeded_keeps_nova_emulator_placement(self):
        server = self._boot(4, 4096, sample.RT1_SMALL['extra_specs'])
        self._assert_rt1_small(self.defined_tree(server),
                               emulator_on_pool=False)
        self.assertEqual(0, self._pool_usage())

    def test_all_rt_single_vcpu_guest_boots_on_the_pool(self):
        server = self._boot(1, 1024, ALL_RT_POOL_SPECS)
        tree = self.defined_tree(server)
        vcpu = _cpus(tree.find('./cputune/vcpupin').get('cpuset'))
        node = self._node_of(vcpu)
        self.assertEqual(
            {'vcpus': '0', 'scheduler': 'fifo', 'priority': '10'},
            dict(tree.find('./cputune/vcpusched').attrib))
        self.assertEqual(
            _cpus(POOL) & NODE_CPUS[node],
            _cpus(tree.find('./cputune/emulatorpin').get('cpuset')))
        self.assertIsNotNone(tree.find('./memoryBacking/locked'))
        self.assertEqual(1, self._pool_usage())

    def test_policy_priority_and_thread_scheduling(self):
        specs = dict(sample.RT1_SMALL['extra_specs'], **POOL_SPEC)
        specs.update({'hw:cpu_realtime_policy': 'rr',
                      'hw:cpu_realtime_priority': '20',
                      'hw:emulator_threads_sched': 'fifo:5',
                      'hw:iothreads_sched': 'rr:4'})
        tree = self.defined_tree(self._boot(4, 4096, specs))
        self.assertEqual(
            {'vcpus': '2-3', 'scheduler': 'rr', 'priority': '20'},
            dict(tree.find('./cputune/vcpusched').attrib))
        self.assertEqual({'scheduler': 'fifo', 'priority': '5'},
                         dict(tree.find('./cputune/emulatorsched').attrib))
        self.assertEqual(
            {'iothreads': '1', 'scheduler': 'rr', 'priority': '4'},
            dict(tree.find('./cputune/iothreadsched').attrib))

    def test_operator_defaults_and_switches(self):
        self.flags(default_realtime_policy='rr', default_realtime_priority=30,
                   realtime_pmu_off=False, realtime_disable_memballoon=False,
                   group='rtnova')
        # [rtnova] options are read when nova-compute starts
        self.restart_compute_service('compute1')
        specs = dict(sample.RT1_SMALL['extra_specs'], **POOL_SPEC)
        tree = self.defined_tree(self._boot(4, 4096, specs))
        self.assertEqual(
            {'vcpus': '2-3', 'scheduler': 'rr', 'priority': '30'},
            dict(tree.find('./cputune/vcpusched').attrib))
        self.assertIsNone(tree.find('./features/pmu'))
        # nova's own balloon (mem_stats_period_seconds) is kept
        self.assertEqual('virtio', tree.find('./devices/memballoon').get(
            'model'))

    def test_pool_capacity_is_counted_by_placement(self):
        # two pool CPUs x the default 20 guests per CPU
        inventory = self._get_provider_inventory(self._rp())[POOL_RC]
        self.assertEqual(
            {'total': 40, 'reserved': 0, 'min_unit': 1, 'max_unit': 40,
             'step_size': 1, 'allocation_ratio': 1.0}, inventory)
        servers = [self._boot(1, 512, ALL_RT_POOL_SPECS) for _ in range(3)]
        self.assertEqual(3, self._pool_usage())
        for server in servers:
            self._delete_server(server)
        self.assertEqual(0, self._pool_usage())

    def test_inventory_and_usage_survive_a_compute_restart(self):
        server = self._boot(1, 1024, ALL_RT_POOL_SPECS)
        self.assertEqual(1, self._pool_usage())
        self.restart_compute_service('compute1')
        self.assertEqual(
            40, self._get_provider_inventory(self._rp())[POOL_RC]['total'])
        self.assertEqual(1, self._pool_usage())
        self.assertIn(rt_driver.TRAIT_CAPABLE,
                      self._get_provider_traits(self._rp()))
        self._delete_server(server)
        self.assertEqual(0, self._pool_usage())

    def test_capable_trait(self):
        traits = self._get_provider_traits(self._rp())
        self.assertIn(rt_driver.TRAIT_CAPABLE, traits)


class PoolCapacityTest(_DriverTestBase):
    """A full pool refuses the next pool guest (placement says no)."""

    def test_no_overcommit(self):
        self.start_rt_compute(dedicated=DEDICATED, pool='0',
                              emulator_pool_guests_per_cpu=2,
                              info=self._host_info())
        self.assertEqual(2, self._get_provider_inventory(
            self._rp())[POOL_RC]['total'])
        first = self._boot(1, 512, ALL_RT_POOL_SPECS)
        self._boot(1, 512, ALL_RT_POOL_SPECS)
        flavor = self._create_flavor(vcpu=1, memory_mb=512,
                                     extra_spec=ALL_RT_POOL_SPECS)
        refused = self._create_server(flavor_id=flavor, networks='none',
                                      expected_state='ERROR')
        self.assertIn('No valid host', refused['fault']['message'])
        self.assertEqual(2, self._pool_usage())
        self._delete_server(first)
        self.assertEqual(1, self._pool_usage())
        self._boot(1, 512, ALL_RT_POOL_SPECS)
        self.assertEqual(2, self._pool_usage())


class ReadyTraitTest(_DriverTestBase):

    def _start(self, critical):
        self.flags(readiness_critical_checks=critical, group='rtnova')
        self.start_rt_compute(dedicated=DEDICATED, pool=POOL,
                              info=self._host_info())
        return self._get_provider_traits(self._rp())

    def test_ready_when_no_critical_check_fails(self):
        self.assertIn(rt_driver.TRAIT_READY, self._start(critical=[]))

    def test_not_ready_when_a_critical_check_fails(self):
        # an empty /proc and /sys: no PREEMPT_RT kernel
        traits = self._start(critical=['realtime_kernel'])
        self.assertNotIn(rt_driver.TRAIT_READY, traits)
        self.assertIn(rt_driver.TRAIT_CAPABLE, traits)


class HostValidationTest(_DriverTestBase):
    """A pool that cannot work stops nova-compute at start."""

    def _start_refused(self, pool, cmdline='ro quiet'):
        self.useFixture(fixtures.MockPatchObject(
            rt_driver.RealtimeLibvirtDriver, 'read_cmdline',
            staticmethod(lambda: cmdline)))
        exc = self.assertRaises(
            exception.InvalidConfiguration, self.start_rt_compute,
            dedicated=DEDICATED, pool=pool, info=self._host_info())
        self.assertIn('[rtnova] emulator_pin_set', str(exc))
        self.assertIn('Fix:', str(exc))
        return str(exc)

    def test_overlap_with_dedicated_set(self):
        self.assertIn('cpu_dedicated_set', self._start_refused('0-1'))

    def test_non_existent_cpu(self):
        self.assertIn('do not exist', self._start_refused('0,12'))

    def test_isolated_cpu(self):
        message = self._start_refused('0,6', cmdline='isolcpus=6-11')
        self.assertIn('isolated', message)


class NonRealtimeIdenticalToNovaTest(_DriverTestBase):
    """Drop-in: a non-RT guest's XML is exactly nova's own."""

    FLAVORS = [
        (1, 512, {}),
        (2, 1024, {'hw:numa_nodes': '2'}),
        (2, 1024, {'hw:cpu_policy': 'dedicated'}),
        (2, 2048, {'hw:cpu_policy': 'dedicated',
                   'hw:mem_page_size': '1GB'}),
        (2, 1024, {'hw:cpu_policy': 'dedicated',
                   'hw:emulator_threads_policy': 'isolate'}),
        (2, 1024, {'hw:cpu_policy': 'dedicated',
                   'hw:emulator_threads_policy': 'share'}),
        (3, 1024, {'hw:cpu_policy': 'mixed',
                   'hw:cpu_dedicated_mask': '^0'}),
        (2, 1024, {'hw:cpu_policy': 'dedicated', 'hw:pmu': 'false',
                   'hw:watchdog_action': 'reset'}),
    ]

    def _host_info(self):
        # 2 x 7 CPUs: room for every flavor below on both hosts
        return base.host_info(nodes=2, cores=7, gigapages_per_node=4)

    def setUp(self):
        super().setUp()
        self.start_rt_compute(hostname='rtnova', dedicated='2-6,9-13',
                              shared='1,8', pool='0,7',
                              info=self._host_info())
        self.COMPUTE_DRIVER = 'libvirt.LibvirtDriver'
        self.start_compute(hostname='nova', host_info=self._host_info())

    def _normalized(self, server):
        xml = self.defined_xml(server)
        xml = xml.replace(server['id'], 'UUID')
        xml = xml.replace(server['OS-EXT-SRV-ATTR:instance_name'], 'NAME')
        return re.sub(r'<nova:creationTime>[^<]*</nova:creationTime>', '',
                      xml)

    def test_same_xml_for_a_spread_of_flavors(self):
        for vcpus, memory_mb, specs in self.FLAVORS:
            flavor = self._create_flavor(vcpu=vcpus, memory_mb=memory_mb,
                                         extra_spec=specs)
            xmls = {}
            for host in ('rtnova', 'nova'):
                server = self._create_server(
                    name='same', flavor_id=flavor, networks='none',
                    host=host)
                self.assertEqual(host, server['OS-EXT-SRV-ATTR:host'])
                xmlcheck.check_domain_xml(self.defined_xml(server))
                xmls[host] = self._normalized(server)
                # both hosts start every flavor from the same free CPUs
                self._delete_server(server)
            self.assertEqual(xmls['nova'], xmls['rtnova'],
                             'XML differs for %s' % (specs,))


class LiveMigrationTest(nova_libvirt_base.LibvirtMigrationMixin,
                        _DriverTestBase):
    """Live migration keeps the pool and the priority.

    nova's source rewrites the XML with pins the destination computed;
    rtnova's destination computes rtnova's.
    """

    def _migrate_stub(self, domain, destination, params, flags):
        self.destination_xml = params['destination_xml']
        super()._migrate_stub(domain, destination, params, flags)

    def test_pool_and_priority_follow_the_guest(self):
        for host in ('src', 'dst'):
            self.start_rt_compute(hostname=host, dedicated=DEDICATED,
                                  pool=POOL, info=self._host_info())
        specs = dict(ALL_RT_POOL_SPECS, **{'hw:cpu_realtime_priority': '20'})
        self.server = self._boot(1, 1024, specs, host='src')
        self.src, self.dest = self.computes['src'], self.computes['dst']

        self._live_migrate(self.server, 'completed')
        self.assertEqual('dst', self.api.get_server(
            self.server['id'])['OS-EXT-SRV-ATTR:host'])
        tree = etree.fromstring(self.destination_xml.encode())
        vcpu = _cpus(tree.find('./cputune/vcpupin').get('cpuset'))
        node = [n for n, cpus in enumerate(NODE_CPUS) if vcpu & cpus][0]
        self.assertEqual(
            _cpus(POOL) & NODE_CPUS[node],
            _cpus(tree.find('./cputune/emulatorpin').get('cpuset')))
        self.assertEqual(
            {'vcpus': '0', 'scheduler': 'fifo', 'priority': '20'},
            dict(tree.find('./cputune/vcpusched').attrib))
        # (no schema check here: nova rewrote the fake connection's
        # template rendering of the source domain, not the defined XML)
        self.assertEqual(0, self._pool_usage('src'))
        self.assertEqual(1, self._pool_usage('dst'))
