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

"""nova-compute refuses to start on a real-time configuration that cannot work.

The same rules as ``rtnova-status`` (``emulator_pool``, ``priority_config``;
see tests/unit/test_status_cli.py for the status side of the same
configurations), plus the pool shrink placement alone can judge.
"""

from nova import exception

from tests.functional import test_driver_xml as xml_tests


class PriorityOptionsTest(xml_tests._DriverTestBase):

    def test_default_below_minimum_refuses_to_start(self):
        exc = self.assertRaises(
            exception.InvalidConfiguration, self.start_rt_compute,
            dedicated=xml_tests.DEDICATED, pool=xml_tests.POOL,
            info=self._host_info(), min_realtime_priority=50,
            max_realtime_priority=60)
        message = str(exc)
        self.assertIn('[rtnova] default_realtime_priority: the default '
                      'priority 10 (built in: the option is unset) is '
                      'outside', message)
        self.assertIn('Fix: set [rtnova] default_realtime_priority to a '
                      'value from 50 to 60', message)

    def test_nova_priority_option_outside_range_is_named(self):
        self.flags(realtime_scheduler_priority=70, group='libvirt')
        exc = self.assertRaises(
            exception.InvalidConfiguration, self.start_rt_compute,
            dedicated=xml_tests.DEDICATED, pool=xml_tests.POOL,
            info=self._host_info())
        self.assertIn('[libvirt] realtime_scheduler_priority', str(exc))

    def test_pool_in_shared_set_refuses_to_start(self):
        exc = self.assertRaises(
            exception.InvalidConfiguration, self.start_rt_compute,
            dedicated='2-5,8-11', shared='0-1,6-7', pool=xml_tests.POOL,
            info=self._host_info())
        self.assertIn('[rtnova] emulator_pin_set: CPUs 0,6 are also in '
                      '[compute] cpu_shared_set', str(exc))


class PoolShrinkTest(xml_tests._DriverTestBase):
    """Removing or shrinking a pool in use stops the restart, naming whom."""

    def setUp(self):
        super().setUp()
        self.start_rt_compute(dedicated=xml_tests.DEDICATED,
                              pool=xml_tests.POOL, info=self._host_info())
        self.server = self._boot(1, 1024, xml_tests.ALL_RT_POOL_SPECS)
        self.assertEqual(1, self._pool_usage())

    def _restart_refused(self, **flags):
        self.flags(group='rtnova', **flags)
        exc = self.assertRaises(exception.InvalidConfiguration,
                                self.restart_compute_service, 'compute1')
        return str(exc)

    def test_pool_removed_while_a_guest_holds_a_unit(self):
        message = self._restart_refused(emulator_pin_set=None)
        self.assertIn('[rtnova] emulator_pin_set: it provides 0 '
                      'CUSTOM_RT_EMULATOR_POOL units but 1 are allocated to '
                      'guests on this host (%s)' % self.server['id'],
                      message)
        self.assertIn('Fix: restore the previous pool', message)

    def test_pool_shrunk_below_usage(self):
        self._boot(1, 1024, xml_tests.ALL_RT_POOL_SPECS)
        message = self._restart_refused(emulator_pin_set='0',
                                        emulator_pool_guests_per_cpu=1)
        self.assertIn('provides 1 CUSTOM_RT_EMULATOR_POOL units but 2 are '
                      'allocated', message)

    def test_shrink_within_usage_starts(self):
        self.flags(emulator_pin_set='0', group='rtnova')
        self.restart_compute_service('compute1')
        self.assertEqual(20, self._get_provider_inventory(
            self._rp())[xml_tests.POOL_RC]['total'])
        self.assertEqual(1, self._pool_usage())
