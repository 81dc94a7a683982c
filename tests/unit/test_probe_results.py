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

"""rtnova-probe's host-side pieces: numbers, verdict, TSC, load, sysctl."""

import os

import fixtures

from rtnova.hardware import threads as threads_mod
from rtnova.hostfs import host_reader
from rtnova.hostfs import kernel_reads
from rtnova.probe import load
from rtnova.probe import probe_errors
from rtnova.probe import results
from rtnova.probe import rt_runtime
from rtnova.probe import serial
from rtnova.probe import tsc
from rtnova.probe import vcpus
from tests.unit import base
from tests.unit import test_probe_cli

HZ = 2000000000  # 2 GHz: 2,000 cycles per microsecond


def _window(cpu, index, top, hist):
    return serial.Window(cpu, index, HZ, sum(hist.values()), top, hist)


class SummarizeTest(base.TestCase):

    def test_row_in_microseconds(self):
        facts = results.VCPUFacts(1, frozenset({3}), True, 'fifo', 10)
        windows = [_window(1, 0, 100000, {40960: 9990, 81920: 10}),
                   _window(1, 1, 20000000, {40960: 9999, 16777216: 1})]
        row = results.summarize(facts, windows, HZ)
        self.assertEqual((1, '3', True, 'SCHED_FIFO', 10, 2, 20000),
                         (row['vcpu'], row['pcpu'], row['realtime'],
                          row['policy'], row['priority'], row['windows'],
                          row['samples']))
        self.assertEqual(10000.0, row['max_us'])       # 20e6 cycles
        self.assertEqual([50.0, 10000.0], row['max_per_window_us'])
        # 99.9 % of 20,000 = 19,980 gaps: inside the 40,960 bucket
        # (19,989 gaps), whose top is 49,151 cycles
        self.assertEqual(24.6, row['p99_9_us'])
        # 99.99 % = 19,998: the 81,920 bucket (19,999), top 98,303
        self.assertEqual(49.2, row['p99_99_us'])
        self.assertEqual(2.0, row['measured_s'])

    def test_verdict_judges_realtime_vcpus_only(self):
        rows = [{'realtime': False, 'max_us': 5000.0},
                {'realtime': True, 'max_us': 39.9}]
        self.assertEqual((True, 'real-time vCPUs'),
                         results.verdict(rows, 40))
        rows[1]['max_us'] = 40.0
        self.assertFalse(results.verdict(rows, 40)[0])

    def test_verdict_without_realtime_vcpus_judges_all(self):
        rows = [{'realtime': False, 'max_us': 30.0},
                {'realtime': False, 'max_us': 50.0}]
        passed, what = results.verdict(rows, 40)
        self.assertFalse(passed)
        self.assertIn('all vCPUs', what)


class TSCTest(base.TestCase):

    def test_capabilities_counter(self):
        caps = ("<capabilities><host><cpu><counter name='tsc' "
                "frequency='2100000000' scaling='no'/></cpu></host>"
                "</capabilities>")
        self.assertEqual(2100000000, tsc.from_capabilities(caps))
        self.assertIsNone(tsc.from_capabilities(
            '<capabilities><host><cpu/></host></capabilities>'))

    def _root(self, flags):
        root = self.useFixture(fixtures.TempDir()).path
        os.makedirs(os.path.join(root, 'proc'))
        with open(os.path.join(root, 'proc/cpuinfo'), 'w') as fh:
            fh.write('processor\t: 0\nflags\t\t: %s\n' % flags)
        return host_reader.HostReader(root)

    def test_invariant_tsc_required(self):
        tsc.check_invariant(self._root('fpu tsc constant_tsc nonstop_tsc'))
        exc = self.assertRaises(probe_errors.TSCError, tsc.check_invariant,
                                self._root('fpu tsc'))
        self.assertIn('constant_tsc, nonstop_tsc', str(exc))

    def test_sysfs_khz(self):
        root = self._root('tsc constant_tsc nonstop_tsc').root
        path = os.path.join(root, kernel_reads.TSC_KHZ)
        os.makedirs(os.path.dirname(path))
        with open(path, 'w') as fh:
            fh.write('2593906\n')
        self.assertEqual((2593906000, '/' + kernel_reads.TSC_KHZ),
                         tsc.frequency(host=host_reader.HostReader(root)))
        self.assertIsNone(
            host_reader.HostReader(
                self.useFixture(fixtures.TempDir()).path).tsc_hz())

    def test_calibration_agrees_with_the_cpu(self):
        # this machine's TSC, against CLOCK_MONOTONIC_RAW: a plausible
        # x86 TSC rate, and two calibrations agree to 1 %
        first, second = tsc.calibrate(0.1), tsc.calibrate(0.1)
        self.assertTrue(5 * 10 ** 8 < first < 10 ** 10, first)
        self.assertLess(abs(first - second) / first, 0.01)


class LoadCPUsTest(base.TestCase):

    def test_where_each_load_goes(self):
        every, dedicated = {0, 1, 2, 3}, {2, 3}
        self.assertEqual((), load.cpus_for('none', every, dedicated, 3))
        self.assertEqual((0, 1), load.cpus_for('housekeeping', every,
                                               dedicated, 3))
        self.assertEqual((3,), load.cpus_for('same-cpu', every, dedicated,
                                             3))
        self.assertEqual((3,), load.cpus_for('burst', every, dedicated, 3))

    def test_describe(self):
        self.assertEqual(
            'SCHED_FIFO 50 for 10 ms every 200 ms on pCPU 1',
            load.Load('burst', (1,), load.Burst()).describe())
        self.assertEqual('busy SCHED_OTHER loop on pCPU 0,1 (housekeeping)',
                         load.Load('housekeeping', (0, 1)).describe())


class RTRuntimeTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.path = self.useFixture(fixtures.TempDir()).path
        os.makedirs(os.path.join(self.path, 'proc/sys/kernel'))
        rt_runtime.write(950000, self.path)

    def test_set_for_the_run_then_restored(self):
        with rt_runtime.set_for_run(-1, self.path) as value:
            self.assertEqual(-1, value)
            self.assertEqual(-1, rt_runtime.read(self.path))
        self.assertEqual(950000, rt_runtime.read(self.path))

    def test_restored_when_the_run_fails(self):
        def run():
            with rt_runtime.set_for_run(-1, self.path):
                raise RuntimeError('boom')
        self.assertRaises(RuntimeError, run)
        self.assertEqual(950000, rt_runtime.read(self.path))

    def test_left_alone_without_a_value(self):
        with rt_runtime.set_for_run(None, self.path) as value:
            self.assertEqual(950000, value)
        self.assertIn('loses 50000 us', rt_runtime.describe(950000))
        self.assertIn('off', rt_runtime.describe(-1))


class _Dom(object):
    def name(self):
        return 'rtnova-probe-test'


class _Proc(host_reader.HostReader):
    """Two vCPU threads as /proc would show them; no real process."""

    def __init__(self, threads):
        # no file is read: process_threads answers from memory
        super().__init__(root='/nonexistent')
        self._threads = threads

    def process_threads(self, pid):
        return self._threads


class LiveFactsTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.preview = test_probe_cli._preview(test_probe_cli.RT_MIXED)

    def test_plan(self):
        facts = vcpus.planned(self.preview)
        self.assertEqual((frozenset({0}), False, 'other', 0),
                         (facts[0].pcpus, facts[0].realtime,
                          facts[0].policy, facts[0].priority))
        self.assertEqual((frozenset({1}), True, 'fifo', 10),
                         (facts[1].pcpus, facts[1].realtime,
                          facts[1].policy, facts[1].priority))
        self.assertEqual(1, vcpus.target_pcpu(self.preview))

    def test_live_threads_override_and_differences_are_named(self):
        threads = [
            threads_mod.Thread(10, 'CPU 0/KVM', frozenset({0}), 'other', 0),
            threads_mod.Thread(11, 'CPU 1/KVM', frozenset({1}), 'other', 0),
        ]
        self.patch_pid()
        notes = []
        facts = vcpus.facts(self.preview, _Dom(), notes, _Proc(threads))
        self.assertEqual(('other', 0), (facts[1].policy, facts[1].priority))
        self.assertTrue(facts[1].realtime)
        self.assertEqual(['vCPU 1 runs other 0 on [1], the plan said fifo '
                          '10 on [1]'], notes)

    def test_unreadable_threads_fall_back_to_the_plan_and_say_so(self):
        notes = []
        facts = vcpus.facts(self.preview, _Dom(), notes,
                            _Proc([]))
        self.assertEqual(vcpus.planned(self.preview), facts)
        self.assertIn('live vCPU threads not read', notes[0])

    def patch_pid(self):
        self.useFixture(fixtures.MockPatch(
            'rtnova.verify.domain.qemu_pid', return_value=1234))
