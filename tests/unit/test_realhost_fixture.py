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

from tests.realhost import cpu_mode
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

    def test_own_daemons_get_disjoint_vnc_port_ranges(self):
        first, low = rh.display_port_slot()
        self.addCleanup(first.close)
        second, high = rh.display_port_slot()
        self.addCleanup(second.close)
        self.assertLess(low[1], high[0])
        conf = private_libvirtd.qemu_conf('/tmp/x/hugepages', False,
                                          display_ports=low)
        self.assertIn('remote_display_port_min = %d\n'
                      'remote_display_port_max = %d\n' % low, conf)

    def test_qemu_user_runs_qemu_as_libvirt_qemu_with_its_own_kvm_node(self):
        conf = private_libvirtd.qemu_conf('/tmp/x/hugepages', False, True)
        self.assertIn('user = "libvirt-qemu"\ngroup = "kvm"\n', conf)
        self.assertNotIn('"root"', conf)
        daemon = private_libvirtd.PrivateLibvirtd('/tmp/x')
        script = daemon._script(listen=True, qemu_user=True).splitlines()
        # a node of the namespace's own, bound over /dev/kvm (the host's
        # node is not changed)
        self.assertIn('mount --bind /tmp/x/kvm /dev/kvm', script)
        self.assertIn('chown root:kvm /tmp/x/kvm', script)
        self.assertTrue(script[-1].endswith(' --listen'), script[-1])
        plain = daemon._script()
        self.assertNotIn('/dev/kvm', plain)
        self.assertNotIn('--listen', plain)

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


class CpuModeChoiceTest(base.TestCase):
    """The guest CPU mode the real-host tier gives nova, found by trying."""

    MSR_REFUSAL = (
        'internal error: qemu unexpectedly closed the monitor: '
        'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\n'
        "kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs' "
        'failed.')

    def _refusing(self, refused):
        tried = []

        def try_start(cpu_xml):
            tried.append(cpu_xml)
            mode = 'none' if "mode='" not in cpu_xml else (
                cpu_xml.split("mode='")[1].split("'")[0])
            return self.MSR_REFUSAL if mode in refused else None
        return try_start, tried

    def test_nova_default_kept_when_qemu_starts_it(self):
        try_start, tried = self._refusing(())
        choice = cpu_mode.choose(try_start)
        self.assertEqual({}, choice.libvirt_flags)
        self.assertEqual([], choice.refusals)
        self.assertEqual(1, len(tried))
        self.assertIn("mode='host-model' check='partial'", tried[0])
        self.assertNotIn('ADAPTATION', cpu_mode.describe(choice))

    def test_refused_host_model_falls_back_and_is_named(self):
        try_start, tried = self._refusing(('host-model', 'host-passthrough'))
        choice = cpu_mode.choose(try_start)
        self.assertEqual({'cpu_mode': 'none'}, choice.libvirt_flags)
        self.assertEqual(3, len(tried))
        self.assertEqual(['host-model (nova default)', 'host-passthrough'],
                         [name for name, _ in choice.refusals])
        text = cpu_mode.describe(choice)
        self.assertIn('HOST ADAPTATION', text)
        self.assertIn('failed to set MSR 0x10a', text)
        self.assertIn('cpu_mode = none', text)
        # one line per refusal, not QEMU's whole report
        self.assertNotIn('\n', text)

    def test_passthrough_taken_before_none(self):
        try_start, _ = self._refusing(('host-model',))
        choice = cpu_mode.choose(try_start)
        self.assertEqual({'cpu_mode': 'host-passthrough'},
                         choice.libvirt_flags)

    def test_every_mode_refused_is_an_error_naming_each(self):
        try_start, _ = self._refusing(('host-model', 'host-passthrough',
                                       'none'))
        exc = self.assertRaises(cpu_mode.NoCpuModeAccepted,
                                cpu_mode.choose, try_start)
        self.assertEqual(3, str(exc).count('failed to set MSR 0x10a'))

    def test_candidate_elements_make_a_domain_with_nova_numa_cell(self):
        for _, _, cpu_xml in cpu_mode.CANDIDATES:
            xml = rh.firmware_domain_xml(
                'x', vcpus=1, cpu_element=cpu_xml % (cpu_mode._NUMA % 64))
            self.assertEqual(1, xml.count('<cpu'))
            self.assertIn("<cell id='0' cpus='0' memory='64'", xml)
