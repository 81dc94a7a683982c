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

"""rtnova-probe: bad input and hosts that cannot run it exit 2, named.

And the probe's domain XML, as libvirt itself judges it.
"""

import io
import os
import signal

import fixtures
import libvirt
from lxml import etree

from rtnova.cmd import latency_probe
from rtnova.cmd import plan
from rtnova.hardware import host_topology
from rtnova.probe import guest_xml
from rtnova.probe import probe_errors
from rtnova.probe import results
from rtnova.probe import session
from tests.unit import base
from tests.unit import status_fakes
from tests import xmlcheck

RT_MIXED = ['--vcpus', '2', '--ram', '64',
            '--property', 'hw:cpu_policy=mixed',
            '--property', 'hw:cpu_realtime=yes',
            '--property', 'hw:cpu_realtime_mask=^0',
            '--property', 'hw:emulator_threads_policy=share',
            '--property', 'resources:CUSTOM_RT_EMULATOR_POOL=1']
# a host like this machine: one node, CPU 1 dedicated, CPU 0 shared + pool
HOST = {
    'name': 'two-cpus',
    'cells': [{'id': 0, 'cpus': '0-1', 'memory_mb': 4096,
               'mempages': {'4': 1048576, '2048': 64}}],
    'config': {'cpu_dedicated_set': '1', 'cpu_shared_set': '0',
               'emulator_pin_set': '0'},
}


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = latency_probe.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


class ArgumentErrorTest(base.TestCase):

    def assertCannotRun(self, argv, *fragments):
        code, out, err = run(*argv)
        self.assertEqual(latency_probe.CANNOT_RUN, code, err)
        self.assertEqual('', out)
        self.assertTrue(err.startswith('rtnova-probe: '), err)
        self.assertNotIn('Traceback', err)
        for fragment in fragments:
            self.assertIn(fragment, err)
        return err

    def test_seconds_must_be_positive(self):
        self.assertCannotRun(['--seconds', '0'], '--seconds must be a '
                             'positive number')
        self.assertCannotRun(['--seconds', 'nan'], '--seconds')

    def test_window_longer_than_the_run(self):
        self.assertCannotRun(['--seconds', '2', '--window-seconds', '3'],
                             '--window-seconds (3) is longer than --seconds')

    def test_burst_shape(self):
        self.assertCannotRun(['--burst-ms', '300'], '--burst-ms must be '
                             'shorter than --burst-period-ms')
        self.assertCannotRun(['--burst-priority', '100'], '1-99')

    def test_rt_runtime_value(self):
        self.assertCannotRun(['--set-rt-runtime-us', '-5'],
                             '--set-rt-runtime-us must be -1 or 0-1000000')

    def test_bad_property(self):
        self.assertCannotRun(['--vcpus', '1', '--ram', '64', '--property',
                              'hw:cpu_policy'], "--property 'hw:cpu_policy'"
                             " is not KEY=VALUE")

    def test_bad_extra_spec_names_key_and_fix(self):
        self.assertCannotRun(['--vcpus', '1', '--ram', '64', '--property',
                              'hw:cpu_realtime=yes'], 'hw:cpu_realtime',
                             'Fix:')

    def test_flavor_that_does_not_fit_this_host(self):
        self.assertCannotRun(['--vcpus', '512', '--ram', '64',
                              '--property', 'hw:cpu_policy=dedicated'],
                             'the flavor does not fit this host')

    def test_libvirt_unreachable(self):
        conf = self.useFixture(fixtures.TempDir()).join('nova.conf')
        with open(conf, 'w') as fh:
            fh.write('[compute]\ncpu_dedicated_set = %d\n' %
                     max(os.sched_getaffinity(0)))
        self.assertCannotRun(['--config-file', conf, '--connect',
                              'test:///no/such/file.xml', '--vcpus', '1',
                              '--ram', '64', '--property',
                              'hw:cpu_policy=dedicated'],
                             'cannot connect to libvirt at '
                             'test:///no/such/file.xml')

    def test_unknown_load_is_refused_by_argparse(self):
        err = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', err))
        exc = self.assertRaises(SystemExit, latency_probe.main,
                                ['--load', 'heavy'])
        self.assertEqual(2, exc.code)
        self.assertIn("invalid choice: 'heavy'", err.getvalue())


def _preview(argv, host=HOST):
    args = latency_probe.build_parser().parse_args(argv)
    conf = plan.load_conf([])
    flavor = plan.load_flavor(args)
    return plan.make_preview(flavor, host_topology.from_description(host),
                             conf)


class ProbeXMLTest(base.TestCase):
    """The probe's domain: the driver's tuning, valid for libvirt."""

    def build(self, can_lock=True, argv=RT_MIXED):
        preview = _preview(argv)
        self.assertTrue(preview.fits)
        xml, notes = guest_xml.build(
            'rtnova-probe-test', 64, preview, '/tmp/probe.img',
            '/tmp/serial.log', can_lock=can_lock)
        xmlcheck.check_domain_xml(xml)
        return etree.fromstring(xml.encode()), notes

    def test_rt_vcpu_pinned_fifo_emulator_on_the_pool(self):
        tree, notes = self.build()
        self.assertEqual([], notes)
        pins = {p.get('vcpu'): p.get('cpuset')
                for p in tree.findall('cputune/vcpupin')}
        self.assertEqual({'0': '0', '1': '1'}, pins)
        self.assertEqual({'vcpus': '1', 'scheduler': 'fifo',
                          'priority': '10'},
                         dict(tree.find('cputune/vcpusched').attrib))
        self.assertEqual('0', tree.find('cputune/emulatorpin').get('cpuset'))

    def test_probe_disk_and_serial_log(self):
        tree, _notes = self.build()
        disk = tree.find("devices/disk[@device='disk']")
        self.assertEqual('/tmp/probe.img', disk.find('source').get('file'))
        self.assertEqual('raw', disk.find('driver').get('type'))
        self.assertEqual('/tmp/serial.log', tree.find(
            "devices/serial[@type='file']/source").get('path'))
        self.assertEqual(['0-1'], [c.get('cpus') for c in
                                   tree.findall('cpu/numa/cell')])

    def test_latency_features_applied(self):
        tree, _notes = self.build()
        self.assertEqual('none', tree.find('devices/memballoon').get('model'))
        self.assertEqual('none', tree.find(
            "devices/controller[@type='usb']").get('model'))
        self.assertEqual('off', tree.find('features/pmu').get('state'))

    def test_locked_kept_when_memlock_can_be_raised(self):
        tree, notes = self.build(can_lock=True)
        self.assertIsNotNone(tree.find('memoryBacking/locked'))
        self.assertEqual([], notes)

    def test_locked_dropped_by_name_when_memlock_cannot_be_raised(self):
        tree, notes = self.build(can_lock=False)
        self.assertIsNone(tree.find('memoryBacking/locked'))
        self.assertEqual(1, len(notes))
        self.assertIn('<locked/> dropped', notes[0])
        self.assertIn('RLIMIT_MEMLOCK', notes[0])

    def test_nova_default_pinned_guest_stays_plain(self):
        tree, _notes = self.build(argv=[
            '--vcpus', '1', '--ram', '64',
            '--property', 'hw:cpu_policy=dedicated'])
        self.assertIsNone(tree.find('cputune/vcpusched'))
        self.assertEqual('1', tree.find('cputune/emulatorpin').get('cpuset'))
        self.assertIsNone(tree.find('memoryBacking/locked'))


class CleanupTest(base.TestCase):
    """The domain goes on every path: timeout and SIGINT.

    On libvirt's test:///default driver (the domain "runs" but the probe
    never prints), with the real probe image (nasm) and TSC code.
    """

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.EnvironmentVariable(
            'RTNOVA_PROBE_CACHE', self.useFixture(fixtures.TempDir()).path))
        self.conn = libvirt.open('test:///default')
        self.addCleanup(self.conn.close)

    def probe_domains(self):
        return [d.name() for d in self.conn.listAllDomains()
                if d.name().startswith(session.DOMAIN_PREFIX)]

    def run_probe(self, boot_timeout):
        settings = session.Settings(seconds=1, window_seconds=1,
                                    boot_timeout=boot_timeout)
        return session.Run(settings, self.conn, _preview(RT_MIXED), 64,
                           frozenset({0, 1}), frozenset({1}))

    def test_boot_timeout_names_it_and_removes_the_domain(self):
        exc = self.assertRaises(probe_errors.ProbeError,
                                self.run_probe(1.0).execute)
        self.assertIn('timed out after 1 s waiting for the probe to boot',
                      str(exc))
        self.assertEqual([], self.probe_domains())

    def test_sigint_removes_the_domain(self):
        run_ = self.run_probe(30.0)
        seen = []
        original = session.Run._start

        def start_then_interrupt(self_, *args):
            dom = original(self_, *args)
            seen.append(dom.name())
            # Ctrl-C once the domain runs, delivered synchronously: a timer
            # thread is not reliable when the test process is
            # eventlet-patched (the functional tier imports nova's harness
            # into the same stestr worker)
            signal.raise_signal(signal.SIGINT)
            return dom
        self.useFixture(fixtures.MonkeyPatch(
            'rtnova.probe.session.Run._start', start_then_interrupt))
        exc = self.assertRaises(probe_errors.Interrupted, run_.execute)
        self.assertIn('interrupted by SIGINT', str(exc))
        self.assertEqual(1, len(seen))
        self.assertEqual([], self.probe_domains())
        # the caller's handler is back
        self.assertIs(signal.default_int_handler,
                      signal.getsignal(signal.SIGINT))


class HypervisorNoteTest(base.TestCase):
    """rtnova-probe's figures carry rtnova-status' hypervisor note."""

    def test_paravirtual_host_noted_first(self):
        tree = self.useFixture(status_fakes.FakeHostTree())
        tree.write('proc/cpuinfo', 'flags\t: fpu tsc hypervisor lm\n')
        data = {'notes': ['sched_rt_runtime_us = 950000']}
        latency_probe._note_hypervisor(data, tree.probe)
        self.assertIn('paravirtual KVM', data['hypervisor']['kind'])
        self.assertIn('every rdtsc in a guest traps',
                      data['hypervisor']['meaning'])
        self.assertTrue(data['notes'][0].startswith('paravirtual KVM'))
        self.assertEqual('sched_rt_runtime_us = 950000', data['notes'][1])
        out = io.StringIO()
        data.update(host='h', seconds=1, window_seconds=0.5, load='none',
                    tsc_hz=2.6e9, tsc_source='libvirt',
                    sched_rt_runtime_us=950000, vcpus=[], passed=True,
                    judged='all vCPUs', threshold_us=40)
        results.write_text(data, out)
        self.assertIn('note: paravirtual KVM', out.getvalue())

    def test_bare_metal_adds_nothing(self):
        tree = self.useFixture(status_fakes.FakeHostTree())
        data = {'notes': []}
        latency_probe._note_hypervisor(data, tree.probe)
        self.assertIsNone(data['hypervisor'])
        self.assertEqual([], data['notes'])
