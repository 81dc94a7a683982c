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

"""The probe runs the driver's post-start steps on its domain."""

from unittest import mock

from rtnova.probe import post_start
from rtnova.verify import domain as domain_mod
from rtnova.verify import readback
from tests.unit import base
from tests.unit import test_host_process_reads as fake_procfs
from tests.unit import test_readback


class ProbePostStartTest(base.TestCase):
    """On the read-back tests' fake guest: vCPU 0 FIFO 10 on CPU 1."""

    # the read-back tests' fake /proc, kvm-pit writer included
    _add_pit = test_readback.ReadBackTest._add_pit

    def setUp(self):
        super().setUp()
        self.fake = self.useFixture(fake_procfs.FakeProc())
        self.fake.write('cmdline', '/usr/bin/qemu\0-name\0guest=%s\0'
                        % test_readback.NAME)
        self.fake.add_thread(4242, 'qemu-system-x86', '0')
        self.fake.add_thread(4245, 'CPU 0/KVM', '1', policy=1, priority=10)
        self.fake.add_thread(4246, 'CPU 1/KVM', '0')
        self.proc = fake_procfs.host_reader.HostReader(self.fake.root)
        self.dom = test_readback.FakeDomain(test_readback.XML.replace(
            "<iothreads>1</iothreads>", '').replace(
            "<iothreadpin iothread='1' cpuset='0'/>", ''))

    def test_places_with_the_drivers_function_and_reads_back(self):
        self._add_pit('1', policy=1, priority=11)
        with mock.patch.object(readback, 'place_threads',
                               wraps=readback.place_threads) as place:
            notes = post_start.apply(self.dom, self.proc)
        place.assert_called_once_with(self.dom, self.proc)
        self.assertEqual(['post-start read-back (the driver\'s): KVM kernel '
                          'threads placed, no drift'], notes)

    def test_unplaced_pit_is_named(self):
        self._add_pit('0-3')
        with mock.patch.object(readback, 'place_threads',
                               return_value=['kvm-pit (tid 5000): EPERM']):
            notes = post_start.apply(self.dom, self.proc)
        self.assertIn('not placed as the driver places them: kvm-pit (tid '
                      '5000): EPERM', notes[0])
        self.assertIn('drift: kvm-pit (tid 5000) affinity: expected 1, '
                      'actual 0-3', notes[1])

    def test_unreadable_domain_is_a_note_not_an_error(self):
        with mock.patch.object(readback, 'place_threads',
                               side_effect=domain_mod.VerifyError('gone')):
            notes = post_start.apply(self.dom, self.proc)
        self.assertEqual(['the driver\'s post-start steps could not run on '
                          'the probe domain: gone'], notes)
