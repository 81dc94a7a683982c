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

"""Read-back and the periodic drift check, on a fake /proc and domain."""

import errno
import os

from rtnova.domain_xml import reader
from rtnova.privsep import access
from rtnova.verify import kernel_threads
from rtnova.verify import readback
from tests.unit import base
from tests.unit import test_host_process_reads as fake_procfs

NAME = 'rtnova-unit-readback-guest'
XML = """<domain type='kvm'><name>%s</name>
<vcpu placement='static'>2</vcpu><memory unit='KiB'>65536</memory>
<iothreads>1</iothreads>
<cputune>
  <vcpupin vcpu='0' cpuset='1'/><vcpupin vcpu='1' cpuset='0'/>
  <emulatorpin cpuset='0'/><iothreadpin iothread='1' cpuset='0'/>
  <vcpusched vcpus='0' scheduler='fifo' priority='10'/>
</cputune></domain>""" % NAME


class FakeDomain(object):

    def __init__(self, xml=XML, name=NAME):
        self.xml = xml
        self._name = name
        self.pins = []

    def name(self):
        return self._name

    def isActive(self):
        return True

    def XMLDesc(self, flags):
        return self.xml

    def UUIDString(self):
        return '6bd3a4b2-0000-4000-8000-000000000001'

    def pinVcpu(self, vcpu, cpumap):
        self.pins.append((vcpu, cpumap))


class ReadBackTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.fake = self.useFixture(fake_procfs.FakeProc())
        self.fake.write('cmdline', '/usr/bin/qemu\0-name\0guest=%s,debug-'
                        'threads=on\0' % NAME)
        self.fake.add_thread(4242, 'qemu-system-x86', '0')
        self.fake.add_thread(4244, 'IO iothread1', '0')
        self.fake.add_thread(4245, 'CPU 0/KVM', '1', policy=1, priority=10)
        self.fake.add_thread(4246, 'CPU 1/KVM', '0')
        self.proc = fake_procfs.host_reader.HostReader(self.fake.root)
        self.reports = []

    def _monitor(self, **kwargs):
        return readback.DriftMonitor(
            list_domains=lambda: [self.dom], interval=1, proc=self.proc,
            report=lambda dom, facts: self.reports.append(
                (dom.name(), facts)), **kwargs)

    def test_threads_as_intended(self):
        self.dom = FakeDomain()
        intent, pid, threads, facts = readback.read_back(self.dom,
                                                         self.proc)
        self.assertEqual(4242, pid)
        self.assertTrue(readback.is_realtime(intent))
        self.assertEqual([], facts)
        self.assertEqual({}, self._monitor().check_once())
        self.assertEqual([], self.reports)

    def test_moved_vcpu_and_lost_priority_are_reported(self):
        self.fake.add_thread(4245, 'CPU 0/KVM', '0-1')
        self.dom = FakeDomain()
        found = self._monitor().check_once()
        facts = found[NAME]
        self.assertEqual(
            'vCPU 0 (tid 4245) affinity: expected 1, actual 0-1; vCPU 0 '
            '(tid 4245) scheduling: expected fifo:10, actual other',
            readback.describe(facts))
        self.assertEqual([(NAME, facts)], self.reports)
        self.assertEqual([], self.dom.pins, 'repaired without being asked')

    def test_repair_pins_the_vcpu_back(self):
        # scheduling still matches: only libvirt's pinVcpu is called (no
        # sched_setscheduler on a tid of this host)
        self.fake.add_thread(4245, 'CPU 0/KVM', '0-1', policy=1,
                             priority=10)
        self.dom = FakeDomain()
        self._monitor(repair_drift=True).check_once()
        self.assertEqual([(0, (False, True))], self.dom.pins)
        self.assertEqual(1, len(self.reports))

    def test_non_realtime_guest_is_not_judged(self):
        self.fake.add_thread(4245, 'CPU 0/KVM', '0-1')
        self.dom = FakeDomain(XML.replace(
            "<vcpusched vcpus='0' scheduler='fifo' priority='10'/>", ''))
        self.assertEqual({}, self._monitor().check_once())

    def test_unreadable_guest_goes_to_on_error(self):
        errors = []
        self.dom = FakeDomain(name='rtnova-unit-no-such-qemu')
        self.dom.xml = XML.replace(NAME, 'rtnova-unit-no-such-qemu')
        monitor = self._monitor(on_error=lambda dom, exc: errors.append(
            str(exc)))
        self.assertEqual({}, monitor.check_once())
        self.assertEqual(1, len(errors))
        self.assertIn('cannot find the QEMU process', errors[0])

    def test_periodic_thread_reports_within_an_interval(self):
        self.fake.add_thread(4245, 'CPU 0/KVM', '0-1', policy=1,
                             priority=10)
        self.dom = FakeDomain()
        monitor = self._monitor()
        monitor.interval = 0.05
        monitor.start()
        self.addCleanup(monitor.stop)
        for _ in range(100):
            if self.reports:
                break
            monitor._stop.wait(0.05)
        self.assertTrue(self.reports, 'no report after 5 s')

    def _add_pit(self, cpus, policy=0, priority=0):
        # a kernel thread: its own /proc entry, outside QEMU's task list
        stat = fake_procfs.stat_line(5000, 'kvm-pit/4242', 0x208040,
                                     priority, policy)
        self.fake.write('../5000/comm', 'kvm-pit/4242\n')
        self.fake.write('../5000/task/5000/comm', 'kvm-pit/4242\n')
        self.fake.write('../5000/task/5000/status',
                        'Name:\tkvm-pit/4242\nCpus_allowed_list:\t%s\n'
                        % cpus)
        self.fake.write('../5000/task/5000/stat', stat)

    def test_kvm_pit_belongs_next_to_vcpu0_above_its_priority(self):
        self._add_pit('0-3')
        self.dom = FakeDomain()
        _intent, _pid, _threads, facts = readback.read_back(self.dom,
                                                            self.proc)
        self.assertEqual(
            'kvm-pit (tid 5000) affinity: expected 1, actual 0-3; kvm-pit '
            '(tid 5000) scheduling: expected fifo:11, actual other',
            readback.describe(facts))

    def test_placed_kvm_pit_matches(self):
        self._add_pit('1', policy=1, priority=11)
        self.dom = FakeDomain()
        self.assertEqual([], readback.read_back(self.dom, self.proc)[3])

    def test_kvm_pit_placed_through_the_access(self):
        self._add_pit('0-3')
        rec = RecordingAccess(self.fake.root)
        self.dom = FakeDomain()
        self.assertEqual([], readback.place_threads(self.dom, self.proc,
                                                    rec))
        self.assertEqual([('affinity', 5000, [1]),
                          ('scheduler', 5000, 'fifo', 11)], rec.calls)

    def test_refused_placement_is_reported_as_text(self):
        self._add_pit('0-3')
        self.dom = FakeDomain()
        failures = readback.place_threads(
            self.dom, self.proc, RecordingAccess(self.fake.root,
                                                 errno.EPERM))
        self.assertEqual(1, len(failures))
        self.assertIn('kvm-pit (tid 5000)', failures[0])

    def test_thread_context_off_the_emulator_pin_is_reported(self):
        # libvirt's thread-context for hugepage pre-allocation: affinity of
        # the whole node, where no cpuset cgroup pulls it in
        self.fake.add_thread(4243, 'TC tc-ram-node0', '0-1')
        self.dom = FakeDomain()
        facts = readback.read_back(self.dom, self.proc)[3]
        self.assertEqual('emulator thread 4243 (TC tc-ram-node0) affinity: '
                         'expected 0, actual 0-1', readback.describe(facts))

    def test_thread_context_placed_on_the_emulator_pin(self):
        self.fake.add_thread(4243, 'TC tc-ram-node0', '0-1')
        self._add_pit('1', policy=1, priority=11)
        rec = RecordingAccess(self.fake.root)
        self.dom = FakeDomain()
        self.assertEqual([], readback.place_threads(self.dom, self.proc,
                                                    rec))
        # only the stray thread: the main loop is already on CPU 0
        self.assertEqual([('affinity', 4243, [0])], rec.calls)

    def test_exited_emulator_thread_is_no_failure(self):
        self.fake.add_thread(4243, 'TC tc-ram-node0', '0-1')
        self.dom = FakeDomain()
        failures = readback.place_threads(
            self.dom, self.proc, RecordingAccess(self.fake.root,
                                                 errno.ESRCH))
        self.assertEqual([], failures)

    def test_refused_emulator_placement_is_reported_as_text(self):
        self.fake.add_thread(4243, 'TC tc-ram-node0', '0-1')
        self.dom = FakeDomain()
        failures = readback.place_threads(
            self.dom, self.proc, RecordingAccess(self.fake.root,
                                                 errno.EPERM))
        self.assertEqual(['emulator thread 4243 (TC tc-ram-node0): [Errno 1]'
                          ' Operation not permitted'], failures)

    def test_non_realtime_guest_threads_are_left_alone(self):
        self.fake.add_thread(4243, 'TC tc-ram-node0', '0-1')
        rec = RecordingAccess(self.fake.root)
        self.dom = FakeDomain(XML.replace(
            "<vcpusched vcpus='0' scheduler='fifo' priority='10'/>", ''))
        self.assertEqual([], readback.place_threads(self.dom, self.proc,
                                                    rec))
        self.assertEqual([], rec.calls)

    def test_repair_sets_the_vcpu_priority_through_the_access(self):
        self.fake.add_thread(4245, 'CPU 0/KVM', '1')
        rec = RecordingAccess(self.fake.root)
        self.dom = FakeDomain()
        monitor = self._monitor(repair_drift=True, access=rec)
        self.assertIn(NAME, monitor.check_once())
        self.assertEqual([('scheduler', 4245, 'fifo', 10)], rec.calls)
        self.assertEqual([], self.dom.pins)

    def test_kernel_threads_apply_leaves_placed_threads_alone(self):
        self._add_pit('1', policy=1, priority=11)
        rec = RecordingAccess(self.fake.root)
        wanted = kernel_threads.placement(reader.parse_domain_xml(XML))
        found = kernel_threads.find(self.proc, 4242)
        self.assertEqual([], kernel_threads.apply(wanted, found, rec))
        self.assertEqual([], rec.calls)


class RecordingAccess(access.HostAccess):
    """A host access on a fake tree that records the scheduling calls."""

    def __init__(self, root, refuse=None):
        super().__init__(root)
        self.calls = []
        self.refuse = refuse

    def set_thread_affinity(self, tid, cpus):
        self._record('affinity', tid, cpus)

    def set_thread_scheduler(self, tid, policy, priority):
        self._record('scheduler', tid, policy, priority)

    def _record(self, *call):
        if self.refuse:
            raise OSError(self.refuse, os.strerror(self.refuse))
        self.calls.append(call)
