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

"""``rtnova-probe --accept`` on this machine: measure, publish, refuse.

The acceptance runs the probe's 2-vCPU flavor (vCPU 1 real-time on the
dedicated CPU 1) under rtnova-shield, as an operator accepts a host, and
publishes the class traits of vCPU 1's largest interruption in a provider
config file nova's own loader reads. A run while a guest uses CPU 1 is
refused before anything starts.
"""

import io
import json
import os

import fixtures
from nova.compute import provider_config
from testtools import content

from rtnova.cmd import latency_probe
from rtnova.cmd import shield as shield_cmd
from rtnova.hardware import latency_class
from tests.realhost import fixtures as rh
from tests.realhost import test_probe

SECONDS = 3


class AcceptanceOnKVMTest(rh.RealHostTestCase):

    def setUp(self):
        super().setUp()
        temp = self.useFixture(fixtures.TempDir()).path
        self.conf = os.path.join(temp, 'nova.conf')
        with open(self.conf, 'w') as fh:
            fh.write(test_probe.NOVA_CONF)
        self.dir = os.path.join(temp, 'provider_config')
        self.state = os.path.join(temp, 'shield.json')

    def accept(self):
        out, err = io.StringIO(), io.StringIO()
        code = latency_probe.main(
            ['--config-file', self.conf, '--connect', self.libvirtd.uri,
             '--seconds', str(SECONDS), '--window-seconds', '1', '--json',
             '--accept', '--provider-config-dir', self.dir,
             # as the host will run real-time guests: no RT throttling
             '--set-rt-runtime-us', '-1'] +
            test_probe.FLAVOR, out=out, err=err)
        self.addDetail('accept', content.text_content(
            out.getvalue() + err.getvalue()))
        return code, out.getvalue(), err.getvalue()

    def shield(self, *argv):
        code = shield_cmd.main(list(argv) + ['--state-file', self.state],
                               out=io.StringIO(), err=io.StringIO())
        self.assertEqual(0, code)

    def test_shielded_host_publishes_its_class(self):
        self.shield('--dedicated', '1')
        self.addCleanup(lambda: os.path.exists(self.state) and self.shield(
            '--undo'))
        code, out, err = self.accept()
        self.shield('--undo')
        self.assertEqual(latency_probe.PASSED, code, err)
        data = json.loads(out)
        rt_max = [r['max_us'] for r in data['vcpus'] if r['realtime']]
        self.assertEqual(1, len(rt_max))
        configs = provider_config.get_provider_configs(self.dir)
        traits = configs.get('$COMPUTE_NODE', {}).get('traits', {}).get(
            'additional', [])
        self.assertEqual(latency_class.traits_for(rt_max[0]), traits)
        if rt_max[0] <= 10000:
            self.assertIn('CUSTOM_RT_LATENCY_LE_10MS', traits)
        self.assertIn('on CPUs 1,', err)
        self.assertIn('published to %s' % self.dir, err)

    def test_cpu_in_use_by_a_guest_is_refused(self):
        self.libvirtd.start_domain(rh.firmware_domain_xml(
            rh.domain_name(), vcpus=1,
            cputune="<cputune><vcpupin vcpu='0' cpuset='1'/></cputune>"))
        code, _out, err = self.accept()
        self.assertEqual(latency_probe.CANNOT_RUN, code)
        self.assertIn('dedicated CPUs 1 are in use by rtnova-test-', err)
        self.assertFalse(os.path.exists(self.dir))
