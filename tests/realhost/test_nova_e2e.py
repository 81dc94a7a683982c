"""End to end through nova on real KVM.

nova's API, conductor, scheduler (with ``RealtimeFilter``) and placement,
and a nova-compute running ``rtnova.RealtimeLibvirtDriver`` on the real
private libvirtd (:mod:`tests.realhost.nova_base`). A real-time flavor with
the emulator pool is booted through the API with ``networks: none`` from an
image whose bytes the image service stand-in serves: a boot sector that
prints a line on COM1. Then the line is read back through nova's
console-output API, ``rtnova-verify`` checks the live QEMU threads and
memory against the domain's XML, and delete removes the domain and returns
the pool's usage in placement to 0.
"""

import io
import sys
import time
import uuid

import libvirt
from testtools import content

from rtnova.cmd import verify as verify_cmd
from rtnova.status import probe as probe_mod
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


class RealtimeServerThroughNovaTest(nova_base.RealComputeTestBase):

    def setUp(self):
        super().setUp()
        self.refusals = self.useFixture(nova_base.SandboxRefusals(
            drop_locked=not probe_mod.HostProbe().can_raise_memlock()))
        self.start_real_compute(
            compute={'cpu_dedicated_set': '1'},
            rtnova={'emulator_pin_set': '0'})

    def _image(self):
        token = uuid.uuid4().hex[:12]
        data, line = boot_image.guest_image(token)
        image = self.glance.create(None, {
            'name': 'rtnova-boot-sector-%s' % token, 'status': 'active',
            'container_format': 'bare', 'disk_format': 'raw',
            'size': len(data), 'min_disk': 0, 'min_ram': 0,
            'visibility': 'public', 'properties': {}}, data=io.BytesIO(data))
        return image['id'], line

    def _console_until(self, server, line):
        deadline = time.monotonic() + CONSOLE_TIMEOUT
        output = ''
        while time.monotonic() < deadline:
            output = self.api.post_server_action(
                server['id'], {'os-getConsoleOutput': {'length': 20}}
            )['output']
            if line in output:
                return output
            time.sleep(1)
        self.fail('%r not on the console after %ss; got %r' % (
            line, CONSOLE_TIMEOUT, output))

    def _pool_usage(self):
        usages = self.placement.get(
            '/resource_providers/%s/usages' % self.compute_rp_uuid).body
        return usages['usages'].get(POOL_RC)

    def test_boot_console_verify_delete(self):
        image_id, line = self._image()
        flavor = self._create_flavor(vcpu=1, memory_mb=128, disk=1,
                                     ephemeral=0, extra_spec=RT_SPECS)

        server = self._create_server(image_uuid=image_id, flavor_id=flavor,
                                     networks='none')

        self.assertEqual('ACTIVE', server['status'])
        for item in self.refusals.applied:
            self.addDetail('sandbox-refused', content.text_content(item))
            sys.stdout.write('\nSANDBOX REFUSED (not verified): %s\n' % item)
        self.assertEqual(1, self._pool_usage())
        output = self._console_until(server, line)
        self.addDetail('console', content.text_content(output))

        dom = self.libvirtd.conn.lookupByUUIDString(server['id'])
        intent, pid, facts = verify_cmd.verify(
            dom, pidfile_dirs=[self.libvirtd.daemon.qemu_pid_dir])
        report = '\n'.join('%s %s %s: expected %s, actual %s' % (
            'match' if f.ok else 'DRIFT', f.subject, f.aspect, f.expected,
            f.actual) for f in facts)
        self.addDetail('rtnova-verify', content.text_content(report))
        sys.stdout.write('\nrtnova-verify on QEMU pid %d:\n%s\n' % (
            pid, report))
        self.assertTrue(facts)
        self.assertEqual([], [f for f in facts if not f.ok], report)

        self._delete_server(server)

        self.assertRaises(libvirt.libvirtError,
                          self.libvirtd.conn.lookupByUUIDString,
                          server['id'])
        self.assertEqual(0, self._pool_usage())
        self._assert_no_errors_logged()

    def _assert_no_errors_logged(self):
        """nova and rtnova logged no ERROR on the way (warnings shown)."""
        lines = [ln for ln in self.stdlog.logger.output.splitlines()
                 if ' [nova.' in ln or ' [rtnova.' in ln]
        warnings = [ln for ln in lines if ' WARNING ' in ln]
        self.addDetail('warnings', content.text_content('\n'.join(warnings)))
        sys.stdout.write('\nWARNINGS logged:\n%s\n' % '\n'.join(warnings))
        self.assertEqual([], [ln for ln in lines if ' ERROR ' in ln])
