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
its own process, nova-compute as the ``nova`` user (the fixture:
:mod:`tools.deploy.tests.base`). Run (as root, from the checkout)::

    python -m stestr --test-path=./tools/deploy/tests --top-dir=./ run \
        --concurrency 1
"""

import subprocess
import uuid

from lxml import etree

from tools.deploy import layout as lay
from tools.deploy import procs
from tools.deploy.tests import base


class SeedsTest(base.DeployTestCase):

    def _flavor(self):
        # the seeds' commands; sizes this 2-CPU machine holds (2 MiB pages
        # for the seeds' 1GB: the tier reserves 2 MiB ones)
        name = 'rt1.small'
        if self.openstack('flavor', 'show', name, check=False).returncode:
            self.openstack('flavor', 'create', '--vcpus', '2', '--ram', '256',
                           '--disk', '1', name)
        self.openstack('flavor', 'set', name,
                       '--property', 'hw:cpu_policy=dedicated',
                       '--property', 'hw:cpu_realtime=yes',
                       '--property', 'hw:cpu_realtime_mask=^0',
                       '--property', 'hw:mem_page_size=2MB')
        return name

    def test_seed_flavor_boots_a_realtime_server(self):
        flavor, image = self._flavor(), self.image()
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
        pages = tree.findall('memoryBacking/hugepages/page')
        self.assertEqual([('2048', 'KiB')],
                         [(p.get('size'), p.get('unit')) for p in pages])
        verify = self.in_host(host, self.L.bin('rtnova-verify'), domain)
        self.assertEqual(0, verify.returncode, verify.stdout + verify.stderr)
        pit = [ln for ln in verify.stdout.splitlines() if 'kvm-pit' in ln]
        self.assertEqual(2, len(pit), verify.stdout)
        self.assertTrue(all(ln.split()[0] == 'match' for ln in pit), pit)
        # libvirt's thread-context for the hugepages: on the node's CPUs
        # until the driver's post-start steps (no cpuset cgroup here)
        context = [ln for ln in verify.stdout.splitlines()
                   if '(TC tc-ram-node' in ln and 'affinity' in ln]
        self.assertEqual(1, len(context), verify.stdout)
        self.assertEqual('match', context[0].split()[0], context)

    def test_nova_compute_is_not_root(self):
        for host in lay.COMPUTES:
            svc = procs.load(self.L)['nova-compute@' + host['name']]
            pid = procs.read_pid(svc)
            self.assertIsNotNone(pid)
            user = subprocess.run(['ps', '-o', 'user=', '-p', str(pid)],
                                  capture_output=True, text=True).stdout
            self.assertEqual(lay.NOVA_USER, user.strip())
