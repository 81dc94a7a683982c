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

"""hw:pci_irq_affinity_mask: the request model, the steering module on a fake
/proc/irq + /sys tree, and the driver's steered guests with nova's
objects."""

import logging
import os

import fixtures
from nova import objects

from rtnova.hardware import errors
from rtnova.hardware import pci_irq
from rtnova.hardware import request
from rtnova.privsep import access
from rtnova.virt import guest_irqs
from rtnova.virt import irq_steering

from tests.unit import base

KEY = pci_irq.KEY
DEDICATED = {'hw:cpu_policy': 'dedicated'}
NIC = '0000:81:00.1'
VF = '0000:81:10.2'


def _request(vcpus, extra):
    return request.build_request(vcpus, 4096, extra, {})


class RequestModelTest(base.TestCase):

    def test_unset_means_no_steering(self):
        self.assertEqual(frozenset(), _request(4, DEDICATED).irq_vcpus)

    def test_vcpu_list_and_exclusion_mask(self):
        self.assertEqual(frozenset({1, 2}), _request(
            4, dict(DEDICATED, **{KEY: '1-2'})).irq_vcpus)
        self.assertEqual(frozenset({1, 2, 3}), _request(
            4, dict(DEDICATED, **{KEY: '^0'})).irq_vcpus)
        self.assertEqual(frozenset({0, 3}), _request(
            4, dict(DEDICATED, **{KEY: '0-3,^1-2'})).irq_vcpus)

    def refused(self, vcpus, extra):
        exc = self.assertRaises(errors.InvalidRequest, _request, vcpus,
                                extra)
        self.assertEqual(KEY, exc.key)
        return str(exc)

    def test_vcpu_the_flavor_does_not_have(self):
        text = self.refused(2, dict(DEDICATED, **{KEY: '1-3'}))
        self.assertIn('vCPUs 2-3 do not exist (the flavor has 2: 0-1)', text)
        self.assertIn('name vCPUs from 0 to 1', text)

    def test_needs_pinned_vcpus(self):
        text = self.refused(2, {KEY: '0'})
        self.assertIn('not pinned', text)
        self.assertIn('hw:cpu_policy=dedicated', text)

    def test_mixed_guest_may_name_only_its_dedicated_vcpus(self):
        mixed = {'hw:cpu_policy': 'mixed', 'hw:cpu_dedicated_mask': '^0'}
        self.assertEqual(frozenset({1}), _request(
            2, dict(mixed, **{KEY: '1'})).irq_vcpus)
        self.assertIn('vCPUs 0 are not pinned',
                      self.refused(2, dict(mixed, **{KEY: '0-1'})))

    def test_empty_and_malformed(self):
        self.assertIn('names no vCPU',
                      self.refused(2, dict(DEDICATED, **{KEY: '0,^0'})))
        self.refused(2, dict(DEDICATED, **{KEY: 'vcpu0'}))

    def test_pcpus_from_pinning(self):
        self.assertEqual(frozenset({5, 7}), pci_irq.irq_pcpus(
            {0, 2}, {0: 5, 1: 6, 2: 7}))
        exc = self.assertRaises(errors.InvalidRequest, pci_irq.irq_pcpus,
                                {3}, {0: 5})
        self.assertIn('vCPUs 3 have no host CPU', str(exc))


class FakeIRQTree(fixtures.Fixture):
    """/sys/bus/pci/devices/<addr>/msi_irqs and /proc/irq of a host."""

    def _setUp(self):
        self.root = self.useFixture(fixtures.TempDir()).path
        self.write('proc/irq/default_smp_affinity', '3')

    def write(self, relative, text):
        path = os.path.join(self.root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as fh:
            fh.write(text + '\n')

    def add_device(self, address, irqs, legacy=0):
        base_dir = 'sys/bus/pci/devices/%s/' % address
        self.write(base_dir + 'irq', str(legacy))
        os.makedirs(os.path.join(self.root, base_dir, 'msi_irqs'),
                    exist_ok=True)
        for irq in irqs:
            self.write(base_dir + 'msi_irqs/%d' % irq, 'msix')
            self.write('proc/irq/%d/smp_affinity_list' % irq, '0-7')

    def affinity(self, irq):
        with open(os.path.join(self.root, 'proc/irq/%d/smp_affinity_list'
                               % irq)) as fh:
            return fh.read().strip()


class IRQSteeringTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.tree = self.useFixture(FakeIRQTree())
        self.steering = irq_steering.IRQSteering(self.tree.root)

    def test_msi_irqs_are_pointed_at_the_cpus_and_released(self):
        self.tree.add_device(NIC, [120, 121])
        self.tree.add_device(VF, [130])
        done, failed = self.steering.steer([NIC, VF], {4, 5})
        self.assertEqual(([120, 121, 130], {}), (done, failed))
        self.assertEqual(['4-5'] * 3, [self.tree.affinity(i)
                                       for i in (120, 121, 130)])
        self.steering.release([NIC])
        self.assertEqual(['0-1', '0-1', '4-5'], [self.tree.affinity(i)
                                                 for i in (120, 121, 130)])

    def test_legacy_irq_without_msi(self):
        self.tree.add_device(NIC, [], legacy=16)
        self.tree.write('proc/irq/16/smp_affinity_list', '0-7')
        self.steering.steer([NIC], {6})
        self.assertEqual('6', self.tree.affinity(16))

    def test_vanished_irq_is_reported_not_raised(self):
        self.tree.add_device(NIC, [120, 121])
        os.unlink(os.path.join(self.tree.root,
                               'proc/irq/121/smp_affinity_list'))
        done, failed = self.steering.steer([NIC], {4})
        self.assertEqual([120], done)
        self.assertEqual([121], list(failed))

    def test_device_without_interrupts_yet(self):
        # vfio-pci allocates MSI vectors when the guest's driver enables them
        self.tree.add_device(NIC, [])
        self.assertEqual(([], {}), self.steering.steer([NIC], {4}))


class _NovaDriverStandIn(object):
    """What nova's driver does in the hooked calls, recorded."""

    def __init__(self, *args, **kwargs):
        self.calls = []
        self.guests = []

    def spawn(self, context, instance, *args, **kwargs):
        self.calls.append('spawn')
        self.guests.append(instance.uuid)

    def cleanup(self, context, instance, *args, **kwargs):
        self.calls.append('cleanup')
        self.guests.remove(instance.uuid)

    def get_available_resource(self, nodename):
        return {'node': nodename}

    def list_instance_uuids(self):
        return list(self.guests)


class _Driver(_NovaDriverStandIn):
    """Wired to GuestIRQs as RealtimeLibvirtDriver is.

    The functional tests run the real driver.
    """

    host_access = None

    def __init__(self):
        super().__init__()
        self.irqs = guest_irqs.GuestIRQs(lambda: self.host_access,
                                         self.list_instance_uuids)

    def spawn(self, context, instance, *args, **kwargs):
        super().spawn(context, instance, *args, **kwargs)
        self.irqs.steer(instance)

    def cleanup(self, context, instance, *args, **kwargs):
        try:
            return super().cleanup(context, instance, *args, **kwargs)
        finally:
            self.irqs.release(instance)

    def get_available_resource(self, nodename):
        result = super().get_available_resource(nodename)
        self.irqs.audit()
        return result


def _instance(uuid, extra, pinning, addresses, vcpus=2):
    instance = objects.Instance(
        uuid=uuid,
        flavor=objects.Flavor(vcpus=vcpus, memory_mb=1024,
                              extra_specs=extra),
        numa_topology=objects.InstanceNUMATopology(cells=[
            objects.InstanceNUMACell(
                id=0, cpuset=set(), pcpuset=set(pinning), memory=1024,
                cpu_pinning=pinning)]),
        pci_devices=objects.PciDeviceList(objects=[
            objects.PciDevice(address=a) for a in addresses]))
    return instance


class DriverHookTest(base.TestCase):

    UUID = '3b6a4b9e-1c1f-4b8e-9a55-0f0d1e2f3a4b'

    def setUp(self):
        super().setUp()
        objects.register_all()
        self.tree = self.useFixture(FakeIRQTree())
        self.tree.add_device(NIC, [120, 121])
        self.driver = _Driver()
        self.driver.host_access = access.HostAccess(self.tree.root)

    def test_spawn_steers_cleanup_releases(self):
        inst = _instance(self.UUID, dict(DEDICATED, **{KEY: '1'}),
                         {0: 4, 1: 5}, [NIC])
        self.driver.spawn(None, inst, None)
        self.assertEqual(['5', '5'], [self.tree.affinity(i)
                                      for i in (120, 121)])
        self.driver.cleanup(None, inst, None)
        self.assertEqual(['0-1', '0-1'], [self.tree.affinity(i)
                                          for i in (120, 121)])
        self.assertEqual(['spawn', 'cleanup'], self.driver.calls)

    def test_audit_picks_up_irqs_the_guest_enabled_later(self):
        inst = _instance(self.UUID, dict(DEDICATED, **{KEY: '0-1'}),
                         {0: 4, 1: 5}, [NIC])
        self.driver.spawn(None, inst, None)
        self.tree.add_device(NIC, [120, 121, 122])
        self.assertEqual('0-7', self.tree.affinity(122))
        self.assertEqual({'node': 'n1'},
                         self.driver.get_available_resource('n1'))
        self.assertEqual('4-5', self.tree.affinity(122))

    def test_audit_forgets_guests_that_left(self):
        inst = _instance(self.UUID, dict(DEDICATED, **{KEY: '0'}),
                         {0: 4, 1: 5}, [NIC])
        self.driver.spawn(None, inst, None)
        self.driver.guests.clear()
        self.driver.get_available_resource('n1')
        self.assertEqual({}, self.driver.irqs.steered)

    def test_guest_without_the_key_is_untouched(self):
        inst = _instance(self.UUID, DEDICATED, {0: 4, 1: 5}, [NIC])
        self.driver.spawn(None, inst, None)
        self.assertEqual(['0-7', '0-7'], [self.tree.affinity(i)
                                          for i in (120, 121)])
        self.assertEqual({}, self.driver.irqs.steered)

    def test_bad_value_is_logged_not_raised(self):
        logger = self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        inst = _instance(self.UUID, dict(DEDICATED, **{KEY: '7'}),
                         {0: 4, 1: 5}, [NIC])
        self.driver.spawn(None, inst, None)
        self.assertEqual('0-7', self.tree.affinity(120))
        self.assertIn('Not steering PCI interrupts', logger.output)
