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

"""The real-host fixture leaves the host as it found it.

Before and after a private libvirtd ran a real-time, hugepage-backed KVM
guest: the same /etc/libvirt/qemu.conf, /etc/passwd and /etc/group (by
checksum), the same libvirt directories, mounts, 2 MiB hugepage reservation
and machine cgroups. While it runs, the daemon has its own qemu.conf and
sockets, and its mounts are invisible here.
"""

import contextlib
import os

import fixtures
import testtools

from tests.realhost import fixtures as rh

CPUTUNE = """<cputune>
  <vcpupin vcpu='0' cpuset='1'/>
  <emulatorpin cpuset='0'/>
  <vcpusched vcpus='0' scheduler='fifo' priority='10'/>
</cputune>"""
MEMORY_BACKING = "<memoryBacking><hugepages/></memoryBacking>"


class TestHostUntouched(testtools.TestCase):

    def setUp(self):
        super().setUp()
        missing = rh.missing_prerequisites()
        if missing:
            self.skipTest('real libvirtd + KVM not available: missing ' +
                          '; '.join(missing))
        # Hold the shared fixture's lock for the whole test: no other
        # worker can start, stop or resize anything meanwhile, so the two
        # snapshots compare only what this test's own daemon did.
        self.shared = rh._SharedState()
        self.useFixture(_Held(self.shared))
        self.own_state = rh._SharedState(
            base=rh.STATE_BASE + '-untouched-%d' % os.getpid())

    def _run_guest(self, before):
        hugepages = before['nr_hugepages_2M'] + 40
        with rh.LibvirtdFixture(hugepages_2m=hugepages,
                                state=self.own_state) as daemon:
            self.assertEqual(hugepages, rh._read_int(rh.HUGEPAGES_2M))
            conf = open(daemon.daemon.path('etc', 'qemu.conf')).read()
            self.assertIn('user = "root"', conf)
            self.assertEqual(rh.kernel_needs_cpu_controller_dropped(),
                             'cgroup_controllers' in conf, conf)
            self.assertTrue(daemon.uri.startswith('qemu+unix:///system?'
                                                  'socket=/'), daemon.uri)
            dom = daemon.start_domain(rh.firmware_domain_xml(
                rh.domain_name(), vcpus=1, memory_mib=64, cputune=CPUTUNE,
                memory_backing=MEMORY_BACKING))
            self.assertTrue(dom.isActive())
            self.assertTrue(os.path.exists(os.path.join(
                daemon.daemon.qemu_pid_dir, '%s.pid' % dom.name())))
            # the daemon's mounts live in its namespace only
            self.assertEqual(before['mounts'], rh.host_snapshot()['mounts'])
            root = daemon.daemon.root
        return root

    def test_no_system_file_mount_or_setting_changed(self):
        before = rh.host_snapshot()

        root = self._run_guest(before)

        self.assertEqual(before, rh.host_snapshot())
        self.assertFalse(os.path.exists(root), root)
        self.assertFalse(os.path.exists(self.own_state.path))
        self.assertFalse(os.path.exists(self.own_state.lock_path))


class _Held(fixtures.Fixture):
    """The shared real-host lock, held until cleanUp."""

    def __init__(self, shared):
        super().__init__()
        self.shared = shared

    def _setUp(self):
        stack = contextlib.ExitStack()
        stack.enter_context(self.shared.locked())
        self.addCleanup(stack.close)
