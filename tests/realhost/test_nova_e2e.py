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

"""End to end through nova on real KVM.

nova's API, conductor, scheduler (with ``RealtimeFilter``) and placement,
and a nova-compute running ``rtnova.RealtimeLibvirtDriver`` on the real
private libvirtd (:mod:`tests.realhost.nova_base`). A real-time flavor with
the emulator pool is booted through the API with ``networks: none`` from
the latency probe's disk (``rtnova.probe``), served as bytes by the image
service stand-in. The probe's window reports are read back through nova's
console-output API, ``rtnova-verify`` checks the live QEMU threads and
memory against the domain's XML, and delete removes the domain and returns
the pool's usage in placement to 0. The lifecycle tests boot a boot sector
that prints one line and halts (:mod:`tests.realhost.boot_image`).
"""

import io
import json
import os
import subprocess
import sys
import time
import uuid

import fixtures
import libvirt
from lxml import etree
from testtools import content

from rtnova.cmd import verify as verify_cmd
from rtnova.hardware import threads as threads_mod
from rtnova.hostfs import host_reader as probe_mod
from rtnova.probe import image as probe_image
from rtnova.probe import probe_errors
from rtnova.probe import serial
from rtnova.probe import tsc
from tests.realhost import boot_image
from tests.realhost import nova_base

POOL_RC = 'CUSTOM_RT_EMULATOR_POOL'
RT_SPECS = {
    'hw:cpu_policy': 'dedicated',
    'hw:cpu_realtime': 'yes',
    'hw:cpu_realtime_priority': '12',
    'hw:emulator_threads_policy': 'share',
    'hw:mem_page_size': '2MB',
    'resources:%s' % POOL_RC: '1',
}
CONSOLE_TIMEOUT = 180
# the probe's report interval
PROBE_WINDOW_S = 0.5
# the vCPU on dedicated CPU 1 at FIFO 12, emulator and I/O threads on pool 0
POOL_LAYOUT = ({'0': '1'}, '0',
               [{'vcpus': '0', 'scheduler': 'fifo', 'priority': '12'}])


class RealtimeServerThroughNovaTest(nova_base.RealComputeTestBase):

    def setUp(self):
        super().setUp()
        self.refusals = self.useFixture(nova_base.SandboxRefusals(
            drop_locked=not probe_mod.HostReader().can_raise_memlock()))

    def start_pool_compute(self):
        """CPU 1 dedicated, CPU 0 the emulator pool (these have 2 CPUs)."""
        self.start_real_compute(compute={'cpu_dedicated_set': '1'},
                                rtnova={'emulator_pin_set': '0'})

    def _image(self, data=None):
        """An image the stand-in serves: ``data``, else the boot sector."""
        token = uuid.uuid4().hex[:12]
        line = None
        if data is None:
            data, line = boot_image.guest_image(token)
        image = self.glance.create(None, {
            'name': 'rtnova-test-%s' % token, 'status': 'active',
            'container_format': 'bare', 'disk_format': 'raw',
            'size': len(data), 'min_disk': 0, 'min_ram': 0,
            'visibility': 'public',
            # a boot sector has no ACPI: nova need not wait for it to
            # shut down cleanly before it destroys the domain
            'properties': {'os_shutdown_timeout': 0}},
            data=io.BytesIO(data))
        return image['id'], line

    def _console_until(self, server, done, what):
        """nova's console output once ``done(output)`` holds."""
        deadline = time.monotonic() + CONSOLE_TIMEOUT
        output = ''
        while time.monotonic() < deadline:
            output = self.api.post_server_action(
                server['id'], {'os-getConsoleOutput': {}})['output']
            if done(output):
                return output
            time.sleep(1)
        self.fail('%s not on the console after %ss; got %r' % (
            what, CONSOLE_TIMEOUT, output))

    def _probe_disk(self):
        """The latency probe's raw disk, as rtnova-probe writes it."""
        scratch = self.useFixture(fixtures.TempDir()).path
        try:
            built = probe_image.build(directory=scratch)
        except probe_errors.ProbeUnavailable as exc:
            self.skipTest('the probe guest cannot be built: %s' % exc)
        hz, _source = tsc.frequency(self.libvirtd.conn)
        path = probe_image.write_disk(
            built, os.path.join(scratch, 'probe.img'),
            int(hz * PROBE_WINDOW_S), 1)
        with open(path, 'rb') as fh:
            return fh.read(), hz

    def _verify(self, server, expected=POOL_LAYOUT, when='after boot'):
        """rtnova-verify on the live QEMU process, and the live XML's layout.

        ``expected``: (vcpupin {vcpu: cpuset}, emulatorpin cpuset,
        [vcpusched attributes]) that the flavor asks of this host.
        """
        dom = self.libvirtd.conn.lookupByUUIDString(server['id'])
        intent, pid, facts = verify_cmd.verify(
            dom, pidfile_dirs=[self.libvirtd.daemon.qemu_pid_dir])
        report = '\n'.join('%s %s %s: expected %s, actual %s' % (
            'match' if f.ok else 'DRIFT', f.subject, f.aspect, f.expected,
            f.actual) for f in facts)
        self.addDetail('rtnova-verify %s' % when,
                       content.text_content(report))
        sys.stdout.write('\nrtnova-verify %s, QEMU pid %d:\n%s\n' % (
            when, pid, report))
        self.assertTrue(facts)
        self.assertEqual([], [f for f in facts if not f.ok], report)
        live = dom.XMLDesc(0)
        self.addDetail('live-xml %s' % when, content.text_content(live))
        tree = etree.fromstring(live.encode())
        self.assertEqual(expected, (
            {p.get('vcpu'): p.get('cpuset')
             for p in tree.findall('cputune/vcpupin')},
            tree.find('cputune/emulatorpin').get('cpuset'),
            [dict(e.attrib) for e in tree.findall('cputune/vcpusched')]))
        return pid

    def _boot(self, vcpus=1, extra_specs=RT_SPECS, image_data=None):
        image_id, line = self._image(image_data)
        flavor = self._create_flavor(vcpu=vcpus, memory_mb=128, disk=1,
                                     ephemeral=0, extra_spec=extra_specs)
        server = self._create_server(image_uuid=image_id, flavor_id=flavor,
                                     networks='none')
        self.assertEqual('ACTIVE', server['status'])
        for item in self.refusals.applied:
            self.addDetail('sandbox-refused', content.text_content(item))
            sys.stdout.write('\nSANDBOX REFUSED (not verified): %s\n' % item)
        return server, line

    def _pool_usage(self):
        usages = self.placement.get(
            '/resource_providers/%s/usages' % self.compute_rp_uuid).body
        return usages['usages'].get(POOL_RC)

    def test_boot_console_verify_delete(self):
        self.start_pool_compute()
        inventory = self._inventory()
        self.assertEqual((1, 20), (inventory['PCPU']['total'],
                                   inventory[POOL_RC]['total']))
        self.assertNotIn('VCPU', inventory)
        self.assertIn('CUSTOM_RT_CAPABLE', self.placement.get(
            '/resource_providers/%s/traits' % self.compute_rp_uuid,
            version='1.6').body['traits'])
        disk, hz = self._probe_disk()

        server, _line = self._boot(image_data=disk)

        self.assertEqual(1, self._pool_usage())
        # the probe's window reports, read back through nova's API
        output = self._console_until(
            server, lambda out: len(serial.parse(out).windows) >= 2,
            'two probe windows')
        self.addDetail('console', content.text_content(output))
        log = serial.parse(output)
        self.assertEqual(([], 1, {0}), (log.errors, log.cpus_started,
                                        {w.cpu for w in log.windows}))
        for window in log.windows:
            self.assertGreater(window.samples, 1000, window)
            sys.stdout.write('\nprobe via os-getConsoleOutput: vCPU %d '
                             'window %d: %d gaps, max %.1f us\n' % (
                                 window.cpu, window.window, window.samples,
                                 window.max_cycles * 1e6 / hz))
        self._verify(server)
        # the command as an operator runs it on the compute host
        proc = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), 'rtnova-verify'),
             '--connect', self.libvirtd.uri, '--pidfile-dir',
             self.libvirtd.daemon.qemu_pid_dir, '--json', server['id']],
            capture_output=True, text=True, timeout=60)
        self.assertEqual((0, 'match', ''), (
            proc.returncode, json.loads(proc.stdout)['status'], proc.stderr))

        self._delete_server(server)

        self.assertRaises(libvirt.libvirtError,
                          self.libvirtd.conn.lookupByUUIDString,
                          server['id'])
        self.assertEqual(0, self._pool_usage())
        self._assert_no_errors_logged()

    def test_reboot_stop_start_suspend_restart_keep_the_tuning(self):
        # each rebuilds the domain XML from the instance's claimed cells
        self.start_pool_compute()
        server, line = self._boot()
        self._verify(server)
        inventory = self._inventory()

        self._reboot_server(server, hard=True)
        self._verify(server, when='after a hard reboot')
        self._stop_server(server)
        self._start_server(server)
        self._verify(server, when='after stop and start')
        # managed save and restore of a hugepage-backed real-time guest
        server = self._suspend_server(server)
        server = self._resume_server(server)
        self._verify(server, when='after suspend and resume')
        self._run_periodics(raise_on_error=True)
        self.assertEqual(1, self._pool_usage())
        self.assertEqual(inventory, self._inventory())

        # a new nova-compute (new driver, new connection) finds the running
        # guest on the daemon and keeps it as it is
        pid = self._verify(server, when='before the restart')
        self.computes['compute1'] = self.restart_compute_service(
            self.computes['compute1'], keep_hypervisor_state=False)
        self._run_periodics(raise_on_error=True)
        self.assertEqual(pid, self._verify(server, when='after the restart'))
        self.assertEqual(1, self._pool_usage())
        self.assertEqual(inventory, self._inventory())
        self._reboot_server(server, hard=True)
        self._verify(server, when='after the restart and a hard reboot')
        # and the guest ran again (nova's console log starts anew)
        self._console_until(server, lambda out: line in out, repr(line))
        self._delete_server(server)
        self.assertEqual(0, self._pool_usage())
        self._assert_no_errors_logged()

    def test_emulator_and_io_thread_scheduling(self):
        # <emulatorsched> reaches QEMU's main thread only (libvirt sets it
        # on the pid); rtnova-verify judges it there and nowhere else
        self.start_pool_compute()
        specs = dict(RT_SPECS, **{'hw:emulator_threads_sched': 'fifo:2',
                                  'hw:iothreads_sched': 'rr:3'})
        server, _line = self._boot(extra_specs=specs)
        pid = self._verify(server)
        threads = probe_mod.HostReader().process_threads(pid)
        self.assertEqual(
            [('fifo', 2)], [(t.policy, t.priority) for t in threads
                            if t.kind == threads_mod.EMULATOR and t.main])
        self.assertEqual({('rr', 3)}, {(t.policy, t.priority) for t in threads
                                       if t.kind == threads_mod.IOTHREAD})
        self._delete_server(server)
        self._assert_no_errors_logged()

    def test_plain_pinned_guest_is_left_as_nova_makes_it(self):
        # drop-in: no real-time spec, so nova's own layout (the emulator on
        # the vCPU's pCPU, SCHED_OTHER everywhere) on the same host
        self.start_pool_compute()
        server, _line = self._boot(extra_specs={
            'hw:cpu_policy': 'dedicated', 'hw:mem_page_size': '2MB'})
        self._verify(server, ({'0': '1'}, '1', []))
        self.assertEqual(0, self._pool_usage())
        self._delete_server(server)
        self._assert_no_errors_logged()

    def test_mixed_guest_without_pool(self):
        # vCPU 0 SCHED_OTHER, vCPU 1 SCHED_RR 15; no pool: the emulator
        # shares the non-real-time vCPU's pCPU (nova's semantics)
        self.start_real_compute(compute={'cpu_dedicated_set': '0-1'})
        server, _line = self._boot(vcpus=2, extra_specs={
            'hw:cpu_policy': 'dedicated', 'hw:cpu_realtime': 'yes',
            'hw:cpu_realtime_mask': '^0', 'hw:cpu_realtime_policy': 'rr',
            'hw:cpu_realtime_priority': '15', 'hw:mem_page_size': '2MB'})
        self._verify(server, ({'0': '0', '1': '1'}, '0', [
            {'vcpus': '1', 'scheduler': 'rr', 'priority': '15'}]))
        self._delete_server(server)
        self._assert_no_errors_logged()

    def _inventory(self):
        return self.placement.get('/resource_providers/%s/inventories' %
                                  self.compute_rp_uuid).body['inventories']

    def _assert_no_errors_logged(self):
        """nova and rtnova logged no ERROR on the way (warnings shown)."""
        lines = [ln for ln in self.stdlog.logger.output.splitlines()
                 if ' [nova.' in ln or ' [rtnova.' in ln]
        warnings = [ln for ln in lines if ' WARNING ' in ln]
        self.addDetail('warnings', content.text_content('\n'.join(warnings)))
        sys.stdout.write('\nWARNINGS logged:\n%s\n' % '\n'.join(warnings))
        self.assertEqual([], [ln for ln in lines if ' ERROR ' in ln])
