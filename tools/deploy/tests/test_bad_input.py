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

"""Bad real-time input through the ``openstack`` CLI: refused by name.

A misspelt key is refused by nova-api (rtnova's extra spec validators);
a priority the hosts' ``[rtnova]`` bounds refuse fails the boot with a
fault naming the option, and leaves nothing allocated in placement.
"""

import uuid

from tools.deploy.tests import base


class BadInputTest(base.DeployTestCase):

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

    def test_priority_above_the_hosts_bound_faults_naming_the_option(self):
        # within the API's 1-99, above every host's max_realtime_priority
        # (the default 49: the tier sets no bound of its own)
        flavor = self.flavor(2, **{
            'hw:cpu_policy': 'dedicated', 'hw:cpu_realtime': 'yes',
            'hw:cpu_realtime_mask': '^0', 'hw:cpu_realtime_priority': '60'})
        image = self.image()
        before = self.all_usages()
        name = 'rt-prio-%s' % uuid.uuid4().hex[:8]
        self.addCleanup(self.openstack, 'server', 'delete', '--wait', name,
                        check=False)
        self.openstack('server', 'create', '--flavor', flavor, '--image',
                       image, '--nic', 'none', name)
        info = self.wait_status(name, 'ERROR')
        fault = info.get('fault') or {}
        self.assertIn('max_realtime_priority', str(fault), info)
        self.assertIn('hw:cpu_realtime_priority', str(fault), info)
        # the failed build's allocations are gone from every provider
        base.poll('placement usage back to %r' % before,
                  lambda: self.all_usages() == before, timeout=60)
