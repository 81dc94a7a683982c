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

"""Finding a domain's QEMU process: libvirt's pidfile, then /proc."""

import os

import fixtures

from rtnova.hostfs import host_reader
from rtnova.verify import domain

from tests.unit import base


class _Dom(object):
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name


class QemuPidTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.root = self.useFixture(fixtures.TempDir()).path
        self.proc = host_reader.HostReader(self.root)
        self.pid_dir = os.path.join(self.root, 'private-run', 'qemu')
        os.makedirs(self.pid_dir)

    def qemu(self, pid, name):
        os.makedirs(self.proc.path('proc/%d' % pid))
        with open(self.proc.path('proc/%d/cmdline' % pid), 'wb') as fh:
            fh.write(b'\0'.join([b'/usr/bin/qemu-system-x86_64', b'-name',
                                 ('guest=%s,debug-threads=on' % name).encode(),
                                 b'-S']) + b'\0')

    def pidfile(self, name, pid):
        with open(os.path.join(self.pid_dir, '%s.pid' % name), 'w') as fh:
            fh.write('%d\n' % pid)

    def test_pidfile_dir_picks_this_daemons_qemu(self):
        # two libvirt daemons each run a domain named vm1: the pidfile of
        # the daemon asked about decides, not the first hit in /proc
        self.qemu(100, 'vm1')
        self.qemu(200, 'vm1')
        self.pidfile('vm1', 200)

        self.assertEqual(200, domain.qemu_pid(_Dom('vm1'), self.proc,
                                              [self.pid_dir]))

    def test_stale_pidfile_falls_back_to_the_proc_scan(self):
        self.qemu(100, 'vm1')
        self.qemu(300, 'other')
        self.pidfile('vm1', 300)

        self.assertEqual(100, domain.qemu_pid(_Dom('vm1'), self.proc,
                                              [self.pid_dir]))

    def test_no_process_is_a_clear_error(self):
        self.qemu(300, 'other')

        exc = self.assertRaises(domain.VerifyError, domain.qemu_pid,
                                _Dom('vm1'), self.proc, [self.pid_dir])
        self.assertIn("QEMU process of domain 'vm1'", str(exc))
