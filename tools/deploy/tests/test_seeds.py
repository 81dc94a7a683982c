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

"""The seeds' FOSDEM commands through the real ``openstack`` CLI.

Against the deployment tier (``python3 -m tools.deploy``): every service
its own process, nova-compute as the ``nova`` user. The fixture uses the
deployment in ``RTNOVA_DEPLOY_STATE`` (default /var/tmp/rtnova-deploy) when
one is up there and leaves it up; otherwise it brings one up and takes it
down at the end. Run (as root, from the checkout)::

    python -m stestr --test-path=./tools/deploy/tests --top-dir=./ run \
        --concurrency 1
"""

import os
import subprocess
import sys
import tempfile
import uuid

from lxml import etree
import testtools

from tests.realhost import boot_image
from tools.deploy import layout as lay
from tools.deploy import procs

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
STATE = os.environ.get('RTNOVA_DEPLOY_STATE', lay.DEFAULT_STATE)


class Deployment(object):
    """Up once per test run; down only if this process brought it up."""

    brought_up = False

    @classmethod
    def ensure(cls):
        L = lay.Layout(STATE)
        services = procs.load(L)
        daemons = [s for s in services.values()
                   if not s['name'].startswith('libvirtd')]
        if not daemons or not all(procs.read_pid(s) for s in daemons):
            cls.brought_up = True
            try:
                subprocess.run([sys.executable, '-m', 'tools.deploy', 'up',
                                '--state', STATE], cwd=TOP, check=True)
            except BaseException:
                # a half-made deployment is taken down too
                cls.release()
                raise
        return L

    @classmethod
    def release(cls):
        if cls.brought_up:
            subprocess.run([sys.executable, '-m', 'tools.deploy', 'down',
                            '--state', STATE], cwd=TOP, check=True)
            cls.brought_up = False


class SeedsTest(testtools.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.L = Deployment.ensure()

    @classmethod
    def tearDownClass(cls):
        Deployment.release()
        super().tearDownClass()

    def openstack(self, *args, check=True, cloud='rtnova-admin'):
        env = dict(os.environ, OS_CLIENT_CONFIG_FILE=self.L.clouds_yaml,
                   OS_CLOUD=cloud)
        res = subprocess.run([self.L.bin('openstack')] + list(args),
                             capture_output=True, text=True, env=env)
        if check and res.returncode != 0:
            self.fail('openstack %s: exit %d\n%s' % (
                ' '.join(args), res.returncode, res.stderr))
        return res

    def in_host(self, host, *argv):
        pid = procs.read_pid({'pidfile': self.L.host(
            host, 'libvirt', 'libvirtd.pid')})
        self.assertIsNotNone(pid, 'libvirtd of %s runs' % host)
        return subprocess.run(['nsenter', '--target', str(pid), '--mount',
                               '--uts', '--net', '--'] + list(argv),
                              capture_output=True, text=True)

    def _flavor(self):
        # the seeds' commands; sizes this 2-CPU machine holds
        name = 'rt1.small'
        if self.openstack('flavor', 'show', name, check=False).returncode:
            self.openstack('flavor', 'create', '--vcpus', '2', '--ram', '256',
                           '--disk', '1', name)
        self.openstack('flavor', 'set', name,
                       '--property', 'hw:cpu_policy=dedicated',
                       '--property', 'hw:cpu_realtime=yes',
                       '--property', 'hw:cpu_realtime_mask=^0')
        return name

    def _image(self):
        data, _line = boot_image.guest_image(uuid.uuid4().hex[:8])
        with tempfile.NamedTemporaryFile(suffix='.img') as fh:
            fh.write(data)
            fh.flush()
            name = 'rtnova-boot-%s' % uuid.uuid4().hex[:8]
            self.openstack('image', 'create', '--disk-format', 'raw',
                           '--container-format', 'bare', '--file', fh.name,
                           name)
        self.addCleanup(self.openstack, 'image', 'delete', name, check=False)
        return name

    def test_seed_flavor_boots_a_realtime_server(self):
        flavor, image = self._flavor(), self._image()
        name = 'rt-%s' % uuid.uuid4().hex[:8]
        self.addCleanup(self.openstack, 'server', 'delete', '--wait', name,
                        check=False)
        out = self.openstack(
            'server', 'create', '--flavor', flavor, '--image', image,
            '--nic', 'none', '--wait', '-f', 'value', '-c', 'status',
            '-c', 'OS-EXT-SRV-ATTR:host', '-c',
            'OS-EXT-SRV-ATTR:instance_name', name).stdout.split()
        host, domain, status = out
        self.assertEqual('ACTIVE', status)
        xml = self.in_host(host, 'virsh', 'dumpxml', domain)
        self.assertEqual(0, xml.returncode, xml.stderr)
        tree = etree.fromstring(xml.stdout.encode())
        pins = {p.get('vcpu'): p.get('cpuset')
                for p in tree.findall('cputune/vcpupin')}
        self.assertEqual({'0', '1'}, set(pins))
        sched = tree.findall('cputune/vcpusched')
        self.assertEqual([('1', 'fifo')],
                         [(s.get('vcpus'), s.get('scheduler'))
                          for s in sched])
        # the emulator threads share vCPU 0's pCPU (the mask's non-RT vCPU)
        self.assertEqual(pins['0'],
                         tree.find('cputune/emulatorpin').get('cpuset'))
        self.assertEqual('strict', tree.find('numatune/memory').get('mode'))
        self.assertIsNotNone(tree.find('memoryBacking/nosharepages'))
        verify = self.in_host(host, self.L.bin('rtnova-verify'), domain)
        self.assertEqual(0, verify.returncode, verify.stdout + verify.stderr)
        pit = [ln for ln in verify.stdout.splitlines() if 'kvm-pit' in ln]
        self.assertEqual(2, len(pit), verify.stdout)
        self.assertTrue(all(ln.split()[0] == 'match' for ln in pit), pit)

    def test_nova_compute_is_not_root(self):
        for host in lay.COMPUTES:
            svc = procs.load(self.L)['nova-compute@' + host['name']]
            pid = procs.read_pid(svc)
            self.assertIsNotNone(pid)
            user = subprocess.run(['ps', '-o', 'user=', '-p', str(pid)],
                                  capture_output=True, text=True).stdout
            self.assertEqual(lay.NOVA_USER, user.strip())

    def test_junk_realtime_extra_spec_is_refused_naming_the_key(self):
        name = 'rt-junk-%s' % uuid.uuid4().hex[:8]
        self.openstack('flavor', 'create', '--vcpus', '2', '--ram', '256',
                       '--disk', '1', name)
        self.addCleanup(self.openstack, 'flavor', 'delete', name)
        # nova validates the hw: namespace from microversion 2.86 on;
        # openstackclient asks for 2.1 unless told otherwise
        res = self.openstack('--os-compute-api-version', '2.86', 'flavor',
                             'set', name, '--property',
                             'hw:cpu_realtime_prio=12', check=False)
        self.assertNotEqual(0, res.returncode)
        # a misspelt key: nova-api names it (rtnova's validators are loaded)
        self.assertIn('hw:cpu_realtime_prio', res.stderr)
        self.assertIn('400', res.stderr)
