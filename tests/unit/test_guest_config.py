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

"""Rendering a tuning plan: rtnova's XML elements inside nova's guest."""

from lxml import etree

from nova.virt.libvirt import config as vconfig

from rtnova.domain_xml import writer
from rtnova.hardware import tuning
from rtnova.virt import guest_config
from tests.unit import base

PLAN = tuning.TuningPlan(
    vcpupin=((0, frozenset({5})), (1, frozenset({7}))),
    emulatorpin=frozenset({3}),
    iothreadpin=((1, frozenset({3})),),
    vcpusched=(tuning.VcpuSched(frozenset({1}), 'rr', 20),),
    emulatorsched=tuning.ThreadSched('fifo', 5),
    iothreadsched=tuning.ThreadSched('rr', 4),
    memnodes=((0, 1),),
    hugepages=(tuning.HugePage(2048, frozenset({0})),),
    nosharepages=True,
    locked=True,
    features=tuning.LatencyFeatures(),
)


def _xml(obj):
    return etree.fromstring(obj.to_xml().encode())


class RenderTest(base.TestCase):

    def test_cputune(self):
        nova_tune = vconfig.LibvirtConfigGuestCPUTune()
        nova_tune.shares = 2048
        tree = _xml(writer.cputune(PLAN, nova_tune.format_dom()))
        # nova's quota:cpu_shares survives
        self.assertEqual('2048', tree.findtext('shares'))
        self.assertEqual([('0', '5'), ('1', '7')],
                         [(p.get('vcpu'), p.get('cpuset'))
                          for p in tree.findall('vcpupin')])
        self.assertEqual('3', tree.find('emulatorpin').get('cpuset'))
        self.assertEqual({'iothread': '1', 'cpuset': '3'},
                         dict(tree.find('iothreadpin').attrib))
        self.assertEqual({'vcpus': '1', 'scheduler': 'rr', 'priority': '20'},
                         dict(tree.find('vcpusched').attrib))
        self.assertEqual({'scheduler': 'fifo', 'priority': '5'},
                         dict(tree.find('emulatorsched').attrib))
        self.assertEqual({'iothreads': '1', 'scheduler': 'rr',
                          'priority': '4'},
                         dict(tree.find('iothreadsched').attrib))

    def test_numatune(self):
        tree = _xml(writer.numatune(PLAN))
        self.assertEqual({'mode': 'strict', 'nodeset': '1'},
                         dict(tree.find('memory').attrib))
        self.assertEqual({'cellid': '0', 'mode': 'strict', 'nodeset': '1'},
                         dict(tree.find('memnode').attrib))

    def test_membacking_keeps_what_nova_set(self):
        nova_backing = vconfig.LibvirtConfigGuestMemoryBacking()
        nova_backing.discard = True
        tree = _xml(writer.memory_backing(PLAN,
                                          nova_backing.format_dom()))
        self.assertEqual({'size': '2048', 'unit': 'KiB', 'nodeset': '0'},
                         dict(tree.find('hugepages/page').attrib))
        for tag in ('nosharepages', 'locked', 'discard'):
            self.assertIsNotNone(tree.find(tag), tag)

    def test_nothing_to_back(self):
        plan = tuning.TuningPlan(vcpupin=(), emulatorpin=frozenset(),
                                 iothreadpin=(), vcpusched=())
        self.assertIsNone(writer.memory_backing(plan, None))

    def test_nova_guest_renders_the_elements_every_time(self):
        guest = vconfig.LibvirtConfigGuest()
        guest.virt_type = 'kvm'
        guest.memory = 1024 * 1024
        guest.vcpus = 2
        guest.os_type = 'hvm'
        guest_config.apply_plan(guest, PLAN)
        # nova appends what format_dom returns: rendering twice must not
        # move elements out of the plan's tree
        for _ in range(2):
            tree = etree.fromstring(guest.to_xml().encode())
            self.assertEqual(2, len(tree.findall('cputune/vcpupin')))
            self.assertEqual('1', tree.find('numatune/memory').get(
                'nodeset'))
            self.assertIsNotNone(tree.find('memoryBacking/locked'))


class FeaturesTest(base.TestCase):

    def _guest(self, *devices):
        guest = vconfig.LibvirtConfigGuest()
        usb = vconfig.LibvirtConfigGuestUSBHostController()
        usb.index = 0
        guest.add_device(usb)
        balloon = vconfig.LibvirtConfigMemoryBalloon()
        balloon.model = 'virtio'
        balloon.period = 10
        guest.add_device(balloon)
        for dev in devices:
            guest.add_device(dev)
        return guest, usb, balloon

    def _input(self, kind, bus):
        dev = vconfig.LibvirtConfigGuestInput()
        dev.type = kind
        dev.bus = bus
        return dev

    def test_pmu_balloon_usb(self):
        tablet = self._input('tablet', 'usb')
        mouse = self._input('mouse', 'ps2')
        guest, usb, balloon = self._guest(tablet, mouse)
        guest_config.apply_features(guest, tuning.LatencyFeatures())
        self.assertEqual(
            [False], [f.state for f in guest.features
                      if isinstance(f, vconfig.LibvirtConfigGuestFeaturePMU)])
        self.assertEqual(('none', None), (balloon.model, balloon.period))
        self.assertEqual('none', usb.model)
        self.assertNotIn(tablet, guest.devices)
        self.assertIn(mouse, guest.devices)

    def test_explicit_pmu_and_usb_redirection_are_kept(self):
        redirect = vconfig.LibvirtConfigGuestUSBRedirect()
        guest, usb, _balloon = self._guest(redirect)
        guest.add_feature(vconfig.LibvirtConfigGuestFeaturePMU(True))
        guest_config.apply_features(guest, tuning.LatencyFeatures())
        self.assertEqual(
            [True], [f.state for f in guest.features
                     if isinstance(f, vconfig.LibvirtConfigGuestFeaturePMU)])
        self.assertIsNone(usb.model)

    def test_switched_off(self):
        guest, usb, balloon = self._guest()
        guest_config.apply_features(guest, tuning.LatencyFeatures(
            pmu_off=False, no_memballoon=False, no_usb=False))
        self.assertEqual([], guest.features)
        self.assertEqual(('virtio', None), (balloon.model, usb.model))

    def test_non_rt_guest_untouched(self):
        guest, usb, balloon = self._guest()
        guest_config.apply_features(guest, None)
        self.assertEqual(('virtio', None), (balloon.model, usb.model))
