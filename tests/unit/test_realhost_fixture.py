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

"""The pure parts of the real-host fixture: private config, skip reasons."""

import os

import fixtures

from tests.realhost import fixtures as rh
from tests.realhost import private_libvirtd
from tests.unit import base


class PrivateConfigTest(base.TestCase):
    """What the private libvirtd is given, written in its own root only."""

    def test_qemu_conf_drops_cpu_only_when_asked(self):
        with_rt = private_libvirtd.qemu_conf('/tmp/x/hugepages', True)
        self.assertIn('user = "root"\n', with_rt)
        self.assertIn('hugetlbfs_mount = "/tmp/x/hugepages"\n', with_rt)
        self.assertIn('cgroup_controllers = [ "cpuset", "memory", '
                      '"devices", "blkio", "cpuacct" ]\n', with_rt)
        self.assertNotIn('"cpu"', with_rt)
        plain = private_libvirtd.qemu_conf('/tmp/x/hugepages', False)
        self.assertNotIn('cgroup_controllers', plain)

    def test_accounts_added_once_with_free_ids(self):
        passwd = 'root:x:0:0:root:/root:/bin/bash\nbob:x:900:900::/:/bin/sh\n'
        group = 'root:x:0:\nkvm:x:104:\n'
        files = private_libvirtd.account_files(passwd, group)
        self.assertTrue(files['passwd'].startswith(passwd))
        self.assertTrue(files['group'].startswith(group))
        # kvm kept with its gid; libvirt-qemu group and user added, on ids
        # nobody uses
        self.assertEqual(['libvirt-qemu:x:900:'],
                         files['group'].splitlines()[2:])
        self.assertEqual(['libvirt-qemu:x:901:104:libvirt:/var/lib/libvirt:'
                          '/usr/sbin/nologin'],
                         files['passwd'].splitlines()[2:])
        again = private_libvirtd.account_files(files['passwd'],
                                               files['group'])
        self.assertEqual(files, again)

    def test_overlay_roots_are_the_outermost_existing_parents(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        for existing in ('etc/libvirt', 'var/lib', 'run'):
            os.makedirs(os.path.join(tmp, existing))
        targets = [os.path.join(tmp, p) for p in (
            'etc/libvirt', 'var/lib/libvirt', 'var/log/libvirt',
            'run/libvirt')]

        self.assertEqual(
            [os.path.join(tmp, 'run'), os.path.join(tmp, 'var')],
            private_libvirtd.overlay_roots(targets))

    def test_uri_names_the_private_socket(self):
        daemon = private_libvirtd.PrivateLibvirtd('/tmp/rtnova-libvirtd-x')
        self.assertEqual('qemu+unix:///system?socket=/tmp/rtnova-libvirtd-x/'
                         'run/libvirt-sock', daemon.uri)
        self.assertEqual('/tmp/rtnova-libvirtd-x/run/qemu',
                         daemon.qemu_pid_dir)


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
