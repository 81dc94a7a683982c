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

"""rtnova-probe on a real libvirtd + QEMU/KVM (this machine: CPUs 0-1).

A 2-vCPU probe guest, vCPU 0 ordinary and floating on the shared CPU 0,
vCPU 1 real-time on the dedicated CPU 1, emulator threads on the pool
(CPU 0). Every vCPU must report; a SCHED_FIFO interferer of known length
planted on vCPU 1's pCPU must show up as vCPU 1's largest gap.

The interferer is 300 ms every 2 s, longer than the ~10 ms of the design
notes, because CPU 1 is not isolated on this shared machine: other
processes' threads can land there and, since Linux 6.12, the fair
server lends them up to 50 ms of each second even against a SCHED_FIFO
vCPU (measured: 35-54 ms gaps with nothing planted). A 300 ms burst
stays inside +/-20 % even when such a 50 ms slot lands right next to it.
``tools/bench_latency.py`` shows the same noise side by side.
"""

import io
import json

import fixtures
from testtools import content

from rtnova.cmd import latency_probe
from rtnova.hostfs import host_reader as probe_mod
from rtnova.probe import rt_runtime
from rtnova.status import platform_checks
from tests.realhost import fixtures as rh

NOVA_CONF = ('[compute]\ncpu_dedicated_set = 1\ncpu_shared_set = 0\n'
             '[rtnova]\nemulator_pin_set = 0\n')
FLAVOR = ['--vcpus', '2', '--ram', '64',
          '--property', 'hw:cpu_policy=mixed',
          '--property', 'hw:cpu_realtime=yes',
          '--property', 'hw:cpu_realtime_mask=^0',
          '--property', 'hw:emulator_threads_policy=share',
          '--property', 'resources:CUSTOM_RT_EMULATOR_POOL=1']
BURST_MS = 300.0
SECONDS = 10


class ProbeOnKVMTest(rh.RealHostTestCase):

    def setUp(self):
        super().setUp()
        self.runtime_before = rt_runtime.read()
        # the CLI restores it; this is the belt to its braces
        self.addCleanup(rt_runtime.write, self.runtime_before)
        self.conf = self.useFixture(
            fixtures.TempDir()).join('nova.conf')
        with open(self.conf, 'w') as fh:
            fh.write(NOVA_CONF)
        self.uri = self.libvirtd.uri

    def probe(self, *extra):
        out, err = io.StringIO(), io.StringIO()
        code = latency_probe.main(
            ['--config-file', self.conf, '--connect', self.uri,
             '--seconds', str(SECONDS), '--json'] + FLAVOR + list(extra),
            out=out, err=err)
        self.addDetail('rtnova-probe-output', content.text_content(
            out.getvalue() + err.getvalue()))
        self.assertIn(code, (latency_probe.PASSED, latency_probe.FAILED),
                      err.getvalue())
        self.assertEqual(self.runtime_before, rt_runtime.read(),
                         'sched_rt_runtime_us not restored')
        data = json.loads(out.getvalue())
        self.assertEqual(code == latency_probe.PASSED, data['passed'])
        return {row['vcpu']: row for row in data['vcpus']}, data

    def assertEveryVCPUReported(self, rows):
        self.assertEqual([0, 1], sorted(rows))
        for row in rows.values():
            self.assertEqual(SECONDS, row['windows'], row)
            self.assertGreater(row['samples'], 1000, row)
            self.assertLessEqual(row['p99_9_us'], row['p99_99_us'])
            self.assertLessEqual(row['p99_99_us'], row['max_us'])

    def test_planted_fifo_burst_shows_up_in_max_within_20_percent(self):
        rows, data = self.probe(
            '--load', 'burst', '--burst-ms', str(BURST_MS),
            '--burst-period-ms', '2000', '--burst-priority', '50',
            '--set-rt-runtime-us', '-1')
        self.assertEveryVCPUReported(rows)
        self.assertIn('SCHED_FIFO 50 for 300 ms every 2000 ms on pCPU 1',
                      data['load'])
        rt, other = rows[1], rows[0]
        self.assertEqual((True, 'SCHED_FIFO', 10, '1'),
                         (rt['realtime'], rt['policy'], rt['priority'],
                          rt['pcpu']))
        self.assertEqual((False, 'SCHED_OTHER', 0, '0'),
                         (other['realtime'], other['policy'],
                          other['priority'], other['pcpu']))
        burst_us = BURST_MS * 1000
        self.assertGreater(rt['max_us'], 0.8 * burst_us, rt)
        self.assertLess(rt['max_us'], 1.2 * burst_us, rt)
        # the burst is on vCPU 1's pCPU only: vCPU 0 never sees it whole
        self.assertLess(other['max_us'], 0.8 * burst_us, other)
        self.assertFalse(data['passed'])

    def test_idle_run_reports_every_vcpu_and_the_host_setting(self):
        rows, data = self.probe()
        self.assertEveryVCPUReported(rows)
        self.assertEqual(self.runtime_before, data['sched_rt_runtime_us'])
        runtime_notes = [n.split(' = ', 1)[1] for n in data['notes']
                         if n.startswith('sched_rt_runtime_us = ')]
        self.assertEqual([rt_runtime.describe(self.runtime_before)],
                         runtime_notes)
        # rtnova-status' hypervisor note, first, where the host has one
        found = platform_checks.describe_hypervisor(probe_mod.HostReader())
        if found is None:
            self.assertIsNone(data['hypervisor'])
        else:
            self.assertEqual({'kind': found[0], 'meaning': found[1]},
                             data['hypervisor'])
            self.assertEqual('%s: %s' % found, data['notes'][0])
        # the driver's post-start steps ran on the probe's domain: its
        # KVM kernel threads are where rtnova-verify expects them
        self.assertIn('post-start read-back (the driver\'s): KVM kernel '
                      'threads placed, no drift', data['notes'])
        self.assertGreater(data['tsc_hz'], 10 ** 8)
