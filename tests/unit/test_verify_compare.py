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

"""Intent from domain XML, and facts: match and drift."""


from rtnova.domain_xml import reader
from rtnova.hardware import threads as threads_mod
from rtnova.hostfs import numa_maps
from rtnova.verify import compare
from tests.unit import base

DOMAIN_XML = """<domain type='kvm'>
  <name>rt-guest</name>
  <memory unit='MiB'>64</memory>
  <vcpu placement='static'>3</vcpu>
  <iothreads>1</iothreads>
  <memoryBacking>
    <hugepages><page size='2' unit='MiB' nodeset='0'/></hugepages>
    <locked/>
  </memoryBacking>
  <cputune>
    <vcpupin vcpu='0' cpuset='4'/>
    <vcpupin vcpu='1' cpuset='5'/>
    <vcpupin vcpu='2' cpuset='6'/>
    <emulatorpin cpuset='2-3'/>
    <iothreadpin iothread='1' cpuset='2-3'/>
    <vcpusched vcpus='1-2' scheduler='fifo' priority='10'/>
    <emulatorsched scheduler='rr' priority='5'/>
    <iothreadsched iothreads='1' scheduler='other'/>
  </cputune>
  <numatune>
    <memory mode='strict' nodeset='0'/>
    <memnode cellid='0' mode='strict' nodeset='0'/>
  </numatune>
</domain>
"""


def thread(tid, comm, cpus, policy='other', priority=0, main=False):
    # only the main thread needs its process id (main: pid == tid)
    return threads_mod.Thread(tid=tid, comm=comm, affinity=frozenset(cpus),
                              policy=policy, priority=priority,
                              pid=tid if main else None)


def ram(policy='bind', nodes=(0,), pages=None, huge=True, size=2048):
    return numa_maps.Mapping(address='7f00', policy=policy,
                             policy_nodes=frozenset(nodes), huge=huge,
                             kernelpagesize_kb=size,
                             pages_per_node=pages or {0: 32})


def as_intended():
    return [
        thread(100, 'qemu-system-x86', {2, 3}, 'rr', 5, main=True),
        # libvirt's <emulatorsched> reaches the main thread only
        thread(101, 'IO mon_iothread', {2, 3}),
        thread(102, 'IO iothread1', {2, 3}),
        thread(103, 'CPU 0/KVM', {4}),
        thread(104, 'CPU 1/KVM', {5}, 'fifo', 10),
        thread(105, 'CPU 2/KVM', {6}, 'fifo', 10),
    ]


class CompareTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.intent = reader.parse_domain_xml(DOMAIN_XML)

    def facts(self, threads=None, mappings=None, locked_kb=65536):
        return compare.compare(
            self.intent, as_intended() if threads is None else threads,
            [ram()] if mappings is None else mappings, locked_kb)

    def drifted(self, **kwargs):
        return [(f.subject, f.aspect, f.expected, f.actual)
                for f in self.facts(**kwargs) if not f.ok]

    def test_everything_matches(self):
        facts = self.facts()
        self.assertEqual([], [f for f in facts if not f.ok])
        aspects = {(f.subject.split(' (')[0], f.aspect) for f in facts}
        for expected in [('vCPU 0', 'affinity'), ('vCPU 2', 'scheduling'),
                         ('I/O thread 1', 'affinity'),
                         ('emulator thread 100', 'scheduling'),
                         ('emulator thread 101', 'affinity'),
                         ('guest RAM', 'hugepage backing'),
                         ('guest RAM', 'NUMA binding'),
                         ('QEMU process', 'locked memory (VmLck)')]:
            self.assertIn(expected, aspects)

    def test_moved_vcpu_drifts(self):
        threads = as_intended()
        threads[3] = thread(103, 'CPU 0/KVM', {5})
        self.assertEqual([('vCPU 0 (tid 103)', 'affinity', '4', '5')],
                         self.drifted(threads=threads))

    def test_lost_realtime_priority_drifts(self):
        threads = as_intended()
        threads[4] = thread(104, 'CPU 1/KVM', {5}, 'fifo', 1)
        self.assertEqual([('vCPU 1 (tid 104)', 'scheduling', 'fifo:10',
                           'fifo:1')], self.drifted(threads=threads))

    def test_unexpected_realtime_drifts(self):
        threads = as_intended()
        threads[3] = thread(103, 'CPU 0/KVM', {4}, 'fifo', 1)
        self.assertEqual([('vCPU 0 (tid 103)', 'scheduling', 'other',
                           'fifo:1')], self.drifted(threads=threads))

    def test_emulator_thread_off_the_pool_drifts(self):
        threads = as_intended() + [thread(106, 'worker', {4}, 'rr', 5)]
        self.assertEqual([('emulator thread 106 (worker)', 'affinity', '2-3',
                           '4')], self.drifted(threads=threads))

    def test_emulatorsched_is_judged_on_the_main_thread_only(self):
        # seen on real KVM: libvirt sets <emulatorsched> on QEMU's pid, the
        # helper threads keep the policy they were created with
        threads = as_intended() + [thread(106, 'worker', {2, 3}, 'rr', 5),
                                   thread(107, 'call_rcu', {2, 3})]
        self.assertEqual([], self.drifted(threads=threads))
        judged = [f.subject for f in self.facts(threads=threads)
                  if f.aspect == 'scheduling' and 'emulator' in f.subject]
        self.assertEqual(['emulator thread 100 (qemu-system-x86)'], judged)

    def test_main_thread_without_emulatorsched_drifts(self):
        threads = as_intended()
        threads[0] = thread(100, 'qemu-system-x86', {2, 3}, main=True)
        self.assertEqual([('emulator thread 100 (qemu-system-x86)',
                           'scheduling', 'rr:5', 'other')],
                         self.drifted(threads=threads))

    def test_no_main_thread_with_emulatorsched_drifts(self):
        threads = as_intended()
        threads[0] = thread(100, 'qemu-system-x86', {2, 3}, 'rr', 5)
        self.assertEqual([('emulator main thread', 'thread',
                           'QEMU main loop', 'missing')],
                         self.drifted(threads=threads))

    def test_missing_vcpu_thread_drifts(self):
        threads = as_intended()[:-1]
        self.assertEqual([('vCPU 2', 'thread', "'CPU 2/KVM'", 'missing')],
                         self.drifted(threads=threads))

    def test_kernel_workers_are_not_judged(self):
        worker = threads_mod.Thread(tid=200, comm='kvm-nx-lpage-re',
                                    affinity=frozenset({4}), policy='fifo',
                                    priority=10,
                                    flags=threads_mod.PF_USER_WORKER)
        self.assertEqual(threads_mod.KERNEL_WORKER, worker.kind)
        self.assertEqual([], self.drifted(threads=as_intended() + [worker]))

    def test_small_pages_drift(self):
        drift = self.drifted(mappings=[ram(huge=False, size=4,
                                           pages={0: 16384})])
        self.assertEqual(['hugepage backing', 'NUMA binding'],
                         [d[1] for d in drift])
        self.assertEqual('0 KiB on no hugepages', drift[0][3])

    def test_partly_backed_ram_drifts(self):
        drift = self.drifted(mappings=[ram(pages={0: 16})])
        self.assertEqual([('guest RAM', 'hugepage backing',
                           '65536 KiB on 2048 KiB hugepages',
                           '32768 KiB on 2048 KiB hugepages')], drift)

    def test_ram_on_the_wrong_node_drifts(self):
        drift = self.drifted(mappings=[ram(nodes=(1,), pages={1: 32})])
        self.assertEqual([('guest RAM', 'NUMA binding', 'strict nodes 0',
                           'policy bind:1, pages on nodes 1')], drift)

    def test_cgroup_enforced_strict_binding_matches(self):
        # libvirt may enforce strict with cpuset.mems: default policy, but
        # every page on the wanted node
        self.assertEqual([], self.drifted(mappings=[ram(policy='default',
                                                        nodes=())]))
        drift = self.drifted(mappings=[ram(policy='default', nodes=(),
                                           pages={0: 16, 1: 16})])
        self.assertEqual(['NUMA binding'], [d[1] for d in drift])

    def test_unlocked_memory_drifts(self):
        self.assertEqual([('QEMU process', 'locked memory (VmLck)',
                           '>= 65536 KiB', '0 KiB')],
                         self.drifted(locked_kb=0))

    def test_fact_dict(self):
        fact = self.facts(locked_kb=0)[-1]
        self.assertEqual({'subject': 'QEMU process',
                          'aspect': 'locked memory (VmLck)',
                          'expected': '>= 65536 KiB', 'actual': '0 KiB',
                          'status': 'drift'}, fact.to_dict())
