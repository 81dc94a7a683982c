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

"""The pure parts of the real-host fixture: qemu.conf edits, skip reasons."""

import os

import fixtures

from tests.realhost import fixtures as rh
from tests.unit import base


class QemuConfTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                 'libvirt', 'qemu.conf')

    def read(self):
        with open(self.path) as fh:
            return fh.read()

    def test_creates_a_missing_file(self):
        self.assertTrue(rh.edit_qemu_conf(self.path))
        text = self.read()
        self.assertIn('user = "root"\n', text)
        self.assertIn('group = "root"\n', text)
        self.assertIn('cgroup_controllers = [ "cpuset", "memory", "devices", '
                      '"blkio", "cpuacct" ]\n', text)
        self.assertNotIn('"cpu"', text)

    def test_idempotent_and_keeps_other_settings(self):
        os.makedirs(os.path.dirname(self.path))
        with open(self.path, 'w') as fh:
            fh.write('# user = "someone"\nuser = "libvirt-qemu"\n'
                     'user = "again"\nvnc_listen = "0.0.0.0"\n')
        self.assertTrue(rh.edit_qemu_conf(self.path))
        first = self.read()
        self.assertFalse(rh.edit_qemu_conf(self.path))
        self.assertEqual(first, self.read())
        lines = first.splitlines()
        self.assertEqual(['user = "root"'],
                         [line for line in lines if line.startswith('user')])
        self.assertIn('# user = "someone"', lines)
        self.assertIn('vnc_listen = "0.0.0.0"', lines)


class MissingPrerequisitesTest(base.TestCase):

    def test_a_missing_program_is_named_with_its_package(self):
        self.useFixture(fixtures.MonkeyPatch(
            'tests.realhost.fixtures.PROGRAMS',
            {'no-such-libvirtd':
             'libvirt-daemon (provides no-such-libvirtd)'}))
        missing = rh.missing_prerequisites()
        self.assertIn('no-such-libvirtd: install package libvirt-daemon '
                      '(provides no-such-libvirtd) (tools/install.sh reads '
                      'bindep.txt)', missing)

    def test_domain_xml_is_small_and_firmware_only(self):
        xml = rh.firmware_domain_xml('x', vcpus=2, memory_mib=64)
        self.assertIn("<memory unit='MiB'>64</memory>", xml)
        self.assertNotIn('<disk', xml)
        self.assertNotIn('host-passthrough', xml)
