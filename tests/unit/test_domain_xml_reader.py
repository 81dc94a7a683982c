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

"""The domain XML reader: what a live domain's XML asks for."""

from rtnova.domain_xml import reader
from rtnova.hardware import tuning
from tests.unit import base
from tests.unit import test_verify_compare

DOMAIN_XML = test_verify_compare.DOMAIN_XML


class IntentTest(base.TestCase):

    def test_parse(self):
        intent = reader.parse_domain_xml(DOMAIN_XML)
        self.assertEqual(('rt-guest', 3, 65536), (intent.name, intent.vcpus,
                                                  intent.memory_kb))
        self.assertEqual({0: {4}, 1: {5}, 2: {6}}, intent.vcpu_affinity)
        self.assertEqual({1: tuning.ThreadSched('fifo', 10),
                          2: tuning.ThreadSched('fifo', 10)},
                         intent.vcpu_sched)
        self.assertEqual(frozenset({2, 3}), intent.emulator_affinity)
        self.assertEqual(tuning.ThreadSched('rr', 5), intent.emulator_sched)
        self.assertEqual((1,), intent.iothreads)
        self.assertEqual({1: tuning.ThreadSched('other', 0)},
                         intent.iothread_sched)
        self.assertEqual(('strict', frozenset({0})),
                         (intent.numa_mode, intent.numa_nodes))
        self.assertEqual((True, (2048,), True), (
            intent.hugepages, intent.hugepage_sizes_kb, intent.locked))

    def test_vcpu_cpuset_is_the_default_pinning(self):
        intent = reader.parse_domain_xml(
            "<domain><name>x</name><memory>1024</memory>"
            "<vcpu cpuset='0-1'>2</vcpu><cputune>"
            "<vcpupin vcpu='1' cpuset='1'/></cputune></domain>")
        self.assertEqual({0: {0, 1}, 1: {1}}, intent.vcpu_affinity)
        self.assertEqual(frozenset({0, 1}), intent.emulator_affinity)
        self.assertFalse(intent.hugepages)
        self.assertIsNone(intent.numa_nodes)
