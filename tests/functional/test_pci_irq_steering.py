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

"""hw:pci_irq_affinity_mask through nova: a guest with a passed-through PCI
device (nova's fake libvirt PCI devices) gets the device's interrupts on
the pCPU of the vCPU its flavor names, and gives them back on delete.

The interrupts live in a fake /sys/bus/pci + /proc/irq tree (nova's harness
forbids touching this machine's); the device address is the one nova's fake
host reports and nova's PCI claim hands to the guest.
"""

from unittest import mock

from oslo_serialization import jsonutils

import fixtures
from nova import context
from nova import objects
from nova.tests.fixtures import libvirt as fakelibvirt

from rtnova.privsep import access
from rtnova.virt import driver as rt_driver

from tests.functional import base
from tests.unit import test_pci_irq

ALIAS = 'a1'
ADDRESS = '0000:81:00.0'
KEY = 'hw:pci_irq_affinity_mask'
RT_PCI = {'hw:cpu_policy': 'dedicated', 'hw:cpu_realtime': 'yes',
          'hw:cpu_realtime_mask': '^0',
          'pci_passthrough:alias': '%s:1' % ALIAS}


class PCIIRQSteeringTest(base.RtnovaServersTestBase):

    RTNOVA_FILTERS = ['RealtimeFilter', 'PciPassthroughFilter']

    def setUp(self):
        device = {'vendor_id': fakelibvirt.PCI_VEND_ID,
                  'product_id': fakelibvirt.PCI_PROD_ID}
        self.flags(device_spec=[jsonutils.dumps(device)],
                   alias=[jsonutils.dumps(dict(device, name=ALIAS))],
                   group='pci')
        super().setUp()
        self.flags(sysinfo_serial='none', group='libvirt')
        self.irqs = self.useFixture(test_pci_irq.FakeIRQTree())
        self.irqs.add_device(ADDRESS, [120, 121])
        self.useFixture(fixtures.MockPatchObject(
            rt_driver.RealtimeLibvirtDriver, 'host_access',
            access.HostAccess(self.irqs.root)))
        self.flags(cpu_dedicated_set='0-7', group='compute')
        self.start_compute(
            host_info=base.host_info(nodes=1, cores=8),
            pci_info=fakelibvirt.HostPCIDevicesInfo(num_pci=1, numa_node=0))

    def _pinned_pcpu(self, server, vcpu):
        inst = objects.Instance.get_by_uuid(
            context.get_admin_context(), server['id'],
            expected_attrs=['numa_topology', 'pci_devices'])
        # (during a resize the instance holds the devices of both hosts)
        self.assertEqual({ADDRESS}, {d.address for d in inst.pci_devices})
        pinning = {}
        for cell in inst.numa_topology.cells:
            pinning.update(cell.cpu_pinning)
        return pinning[vcpu]

    def test_irqs_follow_the_named_vcpu_and_come_back_on_delete(self):
        flavor = self._create_flavor(vcpu=2, memory_mb=1024,
                                     extra_spec=dict(RT_PCI, **{KEY: '0'}))
        server = self._create_server(flavor_id=flavor, networks='none')
        self.assertEqual('ACTIVE', server['status'])
        pcpu = self._pinned_pcpu(server, 0)
        self.assertEqual([str(pcpu)] * 2,
                         [self.irqs.affinity(i) for i in (120, 121)])
        # the domain really got the device
        tree = self.domain_tree(server)
        self.assertEqual(1, len(tree.findall('./devices/hostdev')))
        self._delete_server(server)
        # default_smp_affinity of the fake host: 3 = CPUs 0-1
        self.assertEqual(['0-1', '0-1'],
                         [self.irqs.affinity(i) for i in (120, 121)])

    def test_restarted_compute_steers_running_guests_again(self):
        flavor = self._create_flavor(vcpu=2, memory_mb=1024,
                                     extra_spec=dict(RT_PCI, **{KEY: '1'}))
        server = self._create_server(flavor_id=flavor, networks='none')
        pcpu = self._pinned_pcpu(server, 1)
        self.assertEqual(str(pcpu), self.irqs.affinity(120))
        # something moved the interrupts while nova-compute was down
        for irq in (120, 121):
            self.irqs.write('proc/irq/%d/smp_affinity_list' % irq, '0-7')
        self.restart_compute_service('compute1')
        self.assertEqual([str(pcpu)] * 2,
                         [self.irqs.affinity(i) for i in (120, 121)])
        # and the new process knows the guest: delete gives them back
        self._delete_server(server)
        self.assertEqual(['0-1', '0-1'],
                         [self.irqs.affinity(i) for i in (120, 121)])

    def test_cold_migration_steers_on_the_destination(self):
        flavor = self._create_flavor(vcpu=2, memory_mb=1024,
                                     extra_spec=dict(RT_PCI, **{KEY: '1'}))
        server = self._create_server(flavor_id=flavor, networks='none')
        self.assertEqual('compute1',
                         server['OS-EXT-SRV-ATTR:hypervisor_hostname'])
        # the destination has its own /proc/irq: the device there raises
        # interrupts 140 and 141
        dest_irqs = self.useFixture(test_pci_irq.FakeIRQTree())
        dest_irqs.add_device(ADDRESS, [140, 141])
        self.start_compute(
            hostname='compute2', host_info=base.host_info(nodes=1, cores=8),
            pci_info=fakelibvirt.HostPCIDevicesInfo(num_pci=1, numa_node=0))
        self.computes['compute2'].driver.host_access = access.HostAccess(
            dest_irqs.root)
        with mock.patch('nova.virt.libvirt.driver.LibvirtDriver'
                        '.migrate_disk_and_power_off', return_value='{}'):
            server = self._migrate_server(server)
        self.assertEqual('compute2',
                         server['OS-EXT-SRV-ATTR:hypervisor_hostname'])
        pcpu = self._pinned_pcpu(server, 1)
        self.assertEqual([str(pcpu)] * 2,
                         [dest_irqs.affinity(i) for i in (140, 141)])
        self._confirm_resize(server)

    def test_guest_without_the_key_leaves_irqs_alone(self):
        flavor = self._create_flavor(vcpu=2, memory_mb=1024,
                                     extra_spec=RT_PCI)
        server = self._create_server(flavor_id=flavor, networks='none')
        self.assertEqual('ACTIVE', server['status'])
        self.assertEqual(['0-7', '0-7'],
                         [self.irqs.affinity(i) for i in (120, 121)])

    def test_vcpu_out_of_range_fails_the_boot_naming_the_key(self):
        flavor = self._create_flavor(vcpu=2, memory_mb=1024,
                                     extra_spec=dict(RT_PCI, **{KEY: '5'}))
        server = self._create_server(flavor_id=flavor, networks='none',
                                     expected_state='ERROR')
        fault = server['fault']['message']
        self.assertIn(KEY, fault)
        self.assertIn('Fix:', fault)
        self.assertEqual(['0-7', '0-7'],
                         [self.irqs.affinity(i) for i in (120, 121)])
