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

"""Hosts chosen by measured latency, through nova's provider config files.

Two computes, each with the provider config file ``rtnova-probe --accept``
writes (``acceptance.publish``) in its own ``[compute]
provider_config_location``: compute1 measured 35 us, compute2 800 us.
nova-compute merges the class traits into its resource provider; a flavor
that requires ``CUSTOM_RT_LATENCY_LE_50US`` lands on compute1 only, one
that requires ``_LE_20US`` on neither.
"""

import datetime

import fixtures

from rtnova.hardware import latency_class
from rtnova.probe import acceptance
from tests.functional import base

SPECS = {'hw:cpu_policy': 'dedicated'}
WHEN = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)


def _run(host, max_us):
    """The part of an rtnova-probe result the acceptance publishes."""
    return {'host': host, 'seconds': 600.0,
            'vcpus': [{'vcpu': 0, 'realtime': True, 'max_us': max_us}]}


class LatencyClassPlacementTest(base.RtnovaServersTestBase):

    def setUp(self):
        super().setUp()
        # the operator's one-time step (docs): every class trait exists in
        # placement, so a flavor asking for a class no host has reached is
        # "no valid host", not a placement error
        for trait in latency_class.ALL_TRAITS:
            self.placement.put('/traits/%s' % trait, None, version='1.6')
        for host, max_us in (('compute1', 35.0), ('compute2', 800.0)):
            directory = self.useFixture(fixtures.TempDir()).path
            acceptance.publish(directory, _run(host, max_us), {0, 1}, WHEN)
            # nova-compute reads the directory when it starts
            self.flags(provider_config_location=directory, group='compute')
            self.start_rt_compute(hostname=host, dedicated='0-3',
                                  info=base.host_info(nodes=1, cores=4))

    def _flavor(self, trait):
        return self._create_flavor(vcpu=1, memory_mb=512, extra_spec=dict(
            SPECS, **{'trait:' + trait: 'required'}))

    def test_each_compute_carries_its_classes(self):
        fast = self._get_provider_traits(
            self._get_provider_uuid_by_host('compute1'))
        slow = self._get_provider_traits(
            self._get_provider_uuid_by_host('compute2'))
        self.assertIn('CUSTOM_RT_LATENCY_LE_50US', fast)
        self.assertNotIn('CUSTOM_RT_LATENCY_LE_20US', fast)
        self.assertIn('CUSTOM_RT_LATENCY_LE_10MS', fast)
        self.assertNotIn('CUSTOM_RT_LATENCY_LE_500US', slow)
        self.assertIn('CUSTOM_RT_LATENCY_LE_1MS', slow)

    def test_flavor_lands_only_where_the_class_is_met(self):
        flavor = self._flavor('CUSTOM_RT_LATENCY_LE_50US')
        for _ in range(2):
            server = self._create_server(flavor_id=flavor, networks='none')
            self.assertEqual('compute1', server['OS-EXT-SRV-ATTR:host'])
        too_strict = self._create_server(
            flavor_id=self._flavor('CUSTOM_RT_LATENCY_LE_20US'),
            networks='none', expected_state='ERROR')
        self.assertIn('No valid host', too_strict['fault']['message'])
