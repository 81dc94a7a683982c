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

"""What the deployment tier's tests share: the deployment, the CLI, hosts.

The fixture uses the deployment in ``RTNOVA_DEPLOY_STATE`` (default
/var/tmp/rtnova-deploy) when one is up there and leaves it up; otherwise
it brings one up once for the whole test process (every module) and takes
it down when that process exits.
"""

import atexit
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

from lxml import etree
import testtools

from tests.realhost import boot_image
from tools.deploy import layout as lay
from tools.deploy import procs

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
STATE = os.environ.get('RTNOVA_DEPLOY_STATE', lay.DEFAULT_STATE)
POOL_RC = 'CUSTOM_RT_EMULATOR_POOL'
POOL_HOSTS = {h['name']: h for h in lay.COMPUTES if h['emulator_pin_set']}


def deploy(*args):
    subprocess.run([sys.executable, '-m', 'tools.deploy'] + list(args) +
                   ['--state', STATE], cwd=TOP, check=True)


class Deployment(object):
    """Up once per test process; down at its exit if it brought it up."""

    layout = None

    @classmethod
    def ensure(cls):
        if cls.layout:
            return cls.layout
        L = lay.Layout(STATE)
        services = procs.load(L)
        daemons = [s for s in services.values()
                   if not s['name'].startswith('libvirtd')]
        if not daemons or not all(procs.read_pid(s) for s in daemons):
            # every test module shares one deployment: down at exit
            atexit.register(deploy, 'down')
            deploy('up')
        cls.layout = L
        return L


def poll(what, probe, timeout=180, interval=1.0):
    """Wait for a real state transition: ``probe()`` returns truthy.

    Fails with ``what`` and the last value seen after ``timeout`` s.
    """
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError('no %s after %d s (last seen: %r)' % (
        what, timeout, last))


class DeployTestCase(testtools.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.L = Deployment.ensure()

    def openstack(self, *args, check=True, cloud='rtnova-admin'):
        env = dict(os.environ, OS_CLIENT_CONFIG_FILE=self.L.clouds_yaml,
                   OS_CLOUD=cloud)
        res = subprocess.run([self.L.bin('openstack')] + list(args),
                             capture_output=True, text=True, env=env)
        if check and res.returncode != 0:
            self.fail('openstack %s: exit %d\n%s' % (
                ' '.join(args), res.returncode, res.stderr))
        return res

    def openstack_json(self, *args):
        return json.loads(self.openstack(*(args + ('-f', 'json'))).stdout)

    def in_host(self, host, *argv):
        pid = procs.read_pid({'pidfile': self.L.host(
            host, 'libvirt', 'libvirtd.pid')})
        self.assertIsNotNone(pid, 'libvirtd of %s runs' % host)
        return subprocess.run(['nsenter', '--target', str(pid), '--mount',
                               '--uts', '--net', '--'] + list(argv),
                              capture_output=True, text=True)

    def flavor(self, vcpus, ram=256, **props):
        name = 'rt-%s' % uuid.uuid4().hex[:8]
        self.openstack('flavor', 'create', '--vcpus', str(vcpus), '--ram',
                       str(ram), '--disk', '1', name)
        self.addCleanup(self.openstack, 'flavor', 'delete', name)
        args = []
        for key, value in props.items():
            args += ['--property', '%s=%s' % (key, value)]
        self.openstack('flavor', 'set', name, *args)
        return name

    def pool_flavor(self, ram=256, **props):
        """All vCPUs real-time: the pool carries the emulator threads.

        (driver.rst, "All-RT guests on the pool")
        """
        return self.flavor(1, ram=ram, **dict({
            'hw:cpu_policy': 'dedicated', 'hw:cpu_realtime': 'yes',
            'hw:emulator_threads_policy': 'share',
            'resources:%s' % POOL_RC: '1'}, **props))

    def assert_pool_tuning(self, info, priority='10'):
        """The guest's live XML on its host.

        Its vCPU pinned on that host's dedicated CPU at FIFO ``priority``,
        its emulator threads on that host's pool.
        """
        host = POOL_HOSTS[info['OS-EXT-SRV-ATTR:host']]
        tree = self.domain_xml(info)
        pins = [(p.get('vcpu'), p.get('cpuset'))
                for p in tree.findall('cputune/vcpupin')]
        self.assertEqual([('0', host['dedicated'])], pins)
        sched = [(s.get('vcpus'), s.get('scheduler'), s.get('priority'))
                 for s in tree.findall('cputune/vcpusched')]
        self.assertEqual([('0', 'fifo', priority)], sched)
        self.assertEqual(host['emulator_pin_set'],
                         tree.find('cputune/emulatorpin').get('cpuset'))
        return pins, sched

    def image(self):
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

    def server(self, flavor, image, wait=True):
        """Create a server; returns its ``server show`` (after --wait)."""
        name = 'rt-%s' % uuid.uuid4().hex[:8]
        self.addCleanup(self.openstack, 'server', 'delete', '--wait', name,
                        check=False)
        args = ['server', 'create', '--flavor', flavor, '--image', image,
                '--nic', 'none', name]
        self.openstack(*(args[:2] + (['--wait'] if wait else []) + args[2:]))
        return self.show(name)

    def show(self, server):
        return self.openstack_json('server', 'show', server)

    def wait_status(self, server, wanted, timeout=180):
        """Poll until the server's status is ``wanted``; ERROR fails."""
        def probe():
            info = self.show(server)
            if info['status'] == 'ERROR' and wanted != 'ERROR':
                self.fail('%s went ERROR: %s' % (server, info.get('fault')))
            return info if info['status'] == wanted else None
        return poll('%s status %s' % (server, wanted), probe, timeout)

    def domain_xml(self, info):
        host = info['OS-EXT-SRV-ATTR:host']
        xml = self.in_host(host, 'virsh', 'dumpxml',
                           info['OS-EXT-SRV-ATTR:instance_name'])
        self.assertEqual(0, xml.returncode, xml.stderr)
        return etree.fromstring(xml.stdout.encode())

    def assert_no_drift(self, info):
        host = info['OS-EXT-SRV-ATTR:host']
        verify = self.in_host(host, self.L.bin('rtnova-verify'),
                              info['OS-EXT-SRV-ATTR:instance_name'])
        self.assertEqual(0, verify.returncode,
                         verify.stdout + verify.stderr)
        return verify.stdout

    def provider(self, host):
        rps = self.openstack_json('resource', 'provider', 'list',
                                  '--name', host)
        self.assertEqual(1, len(rps), rps)
        return rps[0]['uuid']

    def usage(self, host):
        """{resource class: used} of ``host``'s compute node provider."""
        rows = self.openstack_json('resource', 'provider', 'usage', 'show',
                                   self.provider(host))
        return {r['resource_class']: r['usage'] for r in rows}

    def all_usages(self):
        return {h['name']: self.usage(h['name']) for h in lay.COMPUTES}

    def restart_compute(self, host):
        """Stop and start ``host``'s nova-compute; wait until it reports.

        The new process reports its state only after its start-up
        resource update, so an ``Updated At`` later than the stop means
        the restarted service has run it.
        """
        name = 'nova-compute@' + host
        deploy('stop', name)
        stopped = datetime.datetime.utcnow().replace(microsecond=0)
        deploy('start', name)

        def reported():
            rows = self.openstack_json('compute', 'service', 'list',
                                       '--service', 'nova-compute',
                                       '--host', host)
            when = rows[0]['Updated At'] if rows else None
            if when and datetime.datetime.fromisoformat(
                    when.split('.')[0]) > stopped:
                return rows[0]['State'] == 'up'
            return False
        poll('%s reporting after its restart' % name, reported, timeout=240)
