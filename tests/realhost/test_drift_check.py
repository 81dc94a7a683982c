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

"""The compute driver's periodic drift check on a real KVM guest.

The same ``DriftMonitor`` the driver starts when
``[rtnova] realtime_drift_check_interval`` is set, pointed at a real domain:
a vCPU moved with ``taskset`` is reported by the first pass after the move
(passes run one interval apart), and with
repair on it is pinned back through libvirt.
"""

import subprocess
import threading
import time

from rtnova.hardware import threads as threads_mod
from rtnova.hostfs import host_reader
from rtnova.verify import kernel_threads
from rtnova.verify import readback

from tests.realhost import fixtures as rh
from tests.realhost import test_verify

INTERVAL = 1.0


class TestDriftCheckRealDomain(rh.RealHostTestCase):

    def setUp(self):
        super().setUp()
        self.name = rh.domain_name()
        self.dom = self.libvirtd.start_domain(rh.firmware_domain_xml(
            self.name, vcpus=2, memory_mib=64, cputune=test_verify.CPUTUNE,
            iothreads=1))
        self.pid = self.libvirtd.qemu_pid(self.dom)
        # what the driver does after every start
        self.assertEqual([], readback.place_threads(self.dom))
        self.reports = []
        self.reported = threading.Event()
        # when each pass of the monitor began (it lists domains first)
        self.pass_starts = []

    def _report(self, dom, facts):
        self.reports.append((time.monotonic(), dom.name(), facts))
        self.reported.set()

    def _monitor(self, repair=False):
        def list_domains():
            self.pass_starts.append(time.monotonic())
            return [self.dom]

        monitor = readback.DriftMonitor(
            list_domains=list_domains, report=self._report,
            interval=INTERVAL, repair_drift=repair)
        self.addCleanup(monitor.stop)
        return monitor

    def _move_vcpu0(self):
        vcpu0 = [t for t in host_reader.HostReader().process_threads(self.pid)
                 if t.kind == threads_mod.VCPU and t.index == 0][0]
        test_verify._allow_cpus(vcpu0.tid, '0-1')
        subprocess.run(['taskset', '-p', '-c', '0', str(vcpu0.tid)],
                       check=True, capture_output=True)
        return vcpu0, time.monotonic()

    def test_untouched_guest_is_not_reported(self):
        self.assertEqual({}, self._monitor().check_once())

    def test_taskset_move_reported_by_the_next_pass(self):
        monitor = self._monitor().start()
        vcpu0, moved_at = self._move_vcpu0()
        # passes begin one interval apart (plus their own reading time); a
        # loaded 2-CPU host can stretch both, so wait long for the event
        self.assertTrue(self.reported.wait(30), 'no drift report in 30 s')
        seen_at, name, facts = self.reports[0]
        reporting = max(t for t in self.pass_starts if t <= seen_at)
        # no pass that began after the move missed it: the first one did
        # (or one that began during the move and read the thread after it)
        self.assertEqual(
            [], [t for t in self.pass_starts if moved_at <= t < reporting])
        self.assertEqual(self.name, name)
        self.assertEqual(
            'vCPU 0 (tid %d) affinity: expected 1, actual 0' % vcpu0.tid,
            readback.describe(facts))
        monitor.stop()

    def test_repair_pins_the_vcpu_back(self):
        vcpu0, _ = self._move_vcpu0()
        found = self._monitor(repair=True).check_once()
        self.assertIn(self.name, found)
        after = [t for t in host_reader.HostReader().process_threads(self.pid)
                 if t.tid == vcpu0.tid][0]
        self.assertEqual(frozenset({1}), after.affinity)
        self.assertEqual({}, self._monitor().check_once())


class TestKvmThreadsRealDomain(rh.RealHostTestCase):
    """kvm-pit next to vCPU 0, one priority above it; checked by verify."""

    def setUp(self):
        super().setUp()
        self.name = rh.domain_name()
        self.dom = self.libvirtd.start_domain(rh.firmware_domain_xml(
            self.name, vcpus=2, memory_mib=64, cputune=test_verify.CPUTUNE,
            iothreads=1))
        self.pid = self.libvirtd.qemu_pid(self.dom)

    def test_kvm_pit_placed_and_verified(self):
        found = kernel_threads.find(host_reader.HostReader(), self.pid)
        self.assertIn(kernel_threads.PIT, found,
                      'QEMU %d has no kvm-pit thread' % self.pid)
        self.assertEqual([], readback.place_threads(self.dom))
        pit = kernel_threads.find(host_reader.HostReader(), self.pid)[
            kernel_threads.PIT]
        # CPUTUNE: vCPU 0 on CPU 1 at fifo:10
        self.assertEqual((frozenset({1}), 'fifo', 11),
                         (pit.affinity, pit.policy, pit.priority))
        _intent, _pid, _threads, facts = readback.read_back(self.dom)
        self.assertEqual([], facts)
        # moved back by hand: the read-back names it
        subprocess.run(['taskset', '-p', '-c', '0', str(pit.tid)],
                       check=True, capture_output=True)
        facts = readback.read_back(self.dom)[3]
        self.assertEqual(
            'kvm-pit (tid %d) affinity: expected 1, actual 0' % pit.tid,
            readback.describe(facts))
