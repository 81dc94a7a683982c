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

"""rtnova's emulator pool as placement counts it, through the CLI.

A host with a pool (``[rtnova] emulator_pin_set``) has the
``CUSTOM_RT_EMULATOR_POOL`` inventory on its compute node's resource
provider. An all-real-time guest takes one unit there, ``server delete``
returns it, and a restart of that host's nova-compute keeps both the
guest's tuning and the count.
"""

from tools.deploy.tests import base


class PoolTest(base.DeployTestCase):

    def test_pool_usage_follows_the_guest_through_a_compute_restart(self):
        before = self.all_usages()
        info = self.server(self.pool_flavor(), self.image())
        self.assertEqual('ACTIVE', info['status'])
        host = info['OS-EXT-SRV-ATTR:host']
        self.assertIn(host, base.POOL_HOSTS)
        before = before[host]
        self.assertIn(base.POOL_RC, before)
        booted = self.usage(host)
        self.assertEqual(before[base.POOL_RC] + 1, booted[base.POOL_RC])
        self.assertEqual(before['PCPU'] + 1, booted['PCPU'])
        tuning = self.assert_pool_tuning(info)
        self.assert_no_drift(info)

        self.restart_compute(host)
        self.assertEqual('ACTIVE', self.show(info['id'])['status'])
        self.assertEqual(tuning, self.assert_pool_tuning(info))
        self.assert_no_drift(info)
        self.assertEqual(booted, self.usage(host))

        self.openstack('server', 'delete', '--wait', info['id'])
        base.poll('%s usage back to %r' % (host, before),
                  lambda: self.usage(host) == before, timeout=60)
