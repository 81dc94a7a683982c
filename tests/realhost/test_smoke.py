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

"""A real KVM domain gets the pinning and scheduling its XML asks for."""

from rtnova.hardware import threads as threads_mod
from rtnova.hostfs import host_reader

from tests.realhost import fixtures as rh


class TestRealKVMSmoke(rh.RealHostTestCase):

    def test_vcpu_thread_pinned_and_fifo(self):
        # vCPU 0 on CPU 1 at SCHED_FIFO 10, vCPU 1 and the emulator on 0:
        # the two CPUs of these machines, each thread somewhere else than
        # where the scheduler would put it unasked.
        xml = rh.firmware_domain_xml(
            rh.domain_name(), vcpus=2, cputune="""<cputune>
              <vcpupin vcpu='0' cpuset='1'/>
              <vcpupin vcpu='1' cpuset='0'/>
              <emulatorpin cpuset='0'/>
              <vcpusched vcpus='0' scheduler='fifo' priority='10'/>
            </cputune>""")
        dom = self.libvirtd.start_domain(xml)
        pid = self.libvirtd.qemu_pid(dom)

        threads = host_reader.HostReader().process_threads(pid)
        vcpus = {t.index: t for t in threads if t.kind == threads_mod.VCPU}

        self.assertEqual({0, 1}, set(vcpus))
        self.assertEqual(frozenset({1}), vcpus[0].affinity)
        self.assertEqual(('fifo', 10), (vcpus[0].policy, vcpus[0].priority))
        self.assertEqual(frozenset({0}), vcpus[1].affinity)
        self.assertEqual(('other', 0), (vcpus[1].policy, vcpus[1].priority))
        emulator = [t for t in threads if t.kind == threads_mod.EMULATOR]
        self.assertNotEqual([], emulator)
        for thread in emulator:
            self.assertEqual(frozenset({0}), thread.affinity, thread.comm)
