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

"""The host reader's /proc reads on fake process trees."""

import os

import fixtures

from rtnova.hostfs import host_reader
from tests.unit import base

NUMA_MAPS = """\
55d0c6a00000 default file=/usr/bin/qemu-system-x86_64 mapped=900 N0=900 \
kernelpagesize_kB=4
7f8177e00000 bind:0 file=/dev/hugepages/libvirt/qemu/1-vm/\
qemu_back_mem.ram-node0.hoyb8e\\040(deleted) huge anon=32 dirty=32 N0=32 \
kernelpagesize_kB=2048
7f8200000000 interleave:0-1 anon=100 dirty=100 N0=50 N1=50 \
kernelpagesize_kB=4
7ffd1c000000 default stack anon=3 dirty=3 N0=3 kernelpagesize_kB=4
"""


def stat_line(tid, comm, flags=0x400040, priority=0, policy=0):
    """A /proc/<pid>/task/<tid>/stat line with the fields that matter."""
    fields = ['0'] * 52
    fields[0] = str(tid)
    fields[1] = '(%s)' % comm
    fields[2] = 'S'
    fields[8] = str(flags)
    fields[39] = str(priority)
    fields[40] = str(policy)
    return ' '.join(fields) + '\n'


class FakeProc(fixtures.Fixture):
    """A fake /proc holding one QEMU process."""

    def __init__(self, pid=4242):
        super().__init__()
        self.pid = pid

    def _setUp(self):
        self.root = self.useFixture(fixtures.TempDir()).path
        self.write('status', 'Name:\tqemu-system-x86\nVmLck:\t   65536 kB\n')
        self.write('numa_maps', NUMA_MAPS)

    def write(self, relative, text):
        path = os.path.join(self.root, 'proc', str(self.pid), relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as fh:
            fh.write(text)

    def add_thread(self, tid, comm, cpus, policy=0, priority=0,
                   flags=0x400040):
        base = 'task/%d/' % tid
        self.write(base + 'comm', comm + '\n')
        self.write(base + 'status', 'Name:\t%s\nCpus_allowed:\tf\n'
                   'Cpus_allowed_list:\t%s\n' % (comm, cpus))
        self.write(base + 'stat', stat_line(tid, comm, flags, priority,
                                            policy))


class ProcessReadsTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.fake = self.useFixture(FakeProc())
        self.fake.add_thread(4242, 'qemu-system-x86', '0')
        self.fake.add_thread(4243, 'IO mon_iothread', '0')
        self.fake.add_thread(4244, 'IO iothread1', '0', policy=1, priority=2)
        self.fake.add_thread(4245, 'CPU 0/KVM', '1', policy=1, priority=10)
        self.fake.add_thread(4246, 'CPU 1/KVM', '0-1')
        self.fake.add_thread(4247, 'CPU 2/KVM', '3', policy=2, priority=7)
        # the kernel's kvm-nx-lpage-recovery worker: PF_USER_WORKER set
        self.fake.add_thread(4250, 'kvm-nx-lpage-re', '1', policy=1,
                             priority=10, flags=0x84040c0)
        self.proc = host_reader.HostReader(self.fake.root)

    def test_threads_are_classified(self):
        threads = {t.tid: t for t in self.proc.process_threads(4242)}
        self.assertEqual(
            {4242: ('emulator', None), 4243: ('emulator', None),
             4244: ('iothread', 1), 4245: ('vcpu', 0), 4246: ('vcpu', 1),
             4247: ('vcpu', 2), 4250: ('kernel-worker', None)},
            {tid: (t.kind, t.index) for tid, t in threads.items()})

    def test_affinity_and_scheduling(self):
        threads = {t.tid: t for t in self.proc.process_threads(4242)}
        self.assertEqual((frozenset({1}), 'fifo', 10),
                         (threads[4245].affinity, threads[4245].policy,
                          threads[4245].priority))
        self.assertEqual((frozenset({0, 1}), 'other', 0),
                         (threads[4246].affinity, threads[4246].policy,
                          threads[4246].priority))
        self.assertEqual(('rr', 7), (threads[4247].policy,
                                     threads[4247].priority))

    def test_comm_with_spaces_and_parentheses(self):
        self.fake.add_thread(4251, 'odd (name) x', '0', policy=2,
                             priority=3)
        self.assertEqual(('rr', 3), self.proc.scheduling(4242, 4251))

    def test_vanished_thread_is_skipped(self):
        os.unlink(os.path.join(self.fake.root, 'proc/4242/task/4246/stat'))
        self.assertNotIn(4246, [t.tid for t in
                                self.proc.process_threads(4242)])

    def test_locked_memory(self):
        self.assertEqual(65536, self.proc.locked_kb(4242))

    def test_numa_maps(self):
        maps = self.proc.numa_maps(4242)
        self.assertEqual(4, len(maps))
        huge = maps[1]
        self.assertEqual(('bind', frozenset({0}), True, 2048, {0: 32}),
                         (huge.policy, huge.policy_nodes, huge.huge,
                          huge.kernelpagesize_kb, huge.pages_per_node))
        self.assertTrue(huge.path.startswith('/dev/hugepages/'))
        self.assertEqual(('interleave', frozenset({0, 1}), {0: 50, 1: 50}),
                         (maps[2].policy, maps[2].policy_nodes,
                          maps[2].pages_per_node))
        self.assertEqual((False, 4), (maps[0].huge,
                                      maps[0].kernelpagesize_kb))
