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

"""nova's own loader finds rtnova's driver by its compute_driver value."""

import testtools

from nova import objects
from nova import test
from nova.virt import driver
from nova.virt import fake

from rtnova.virt import driver as rt_driver
from tests.functional import base


class DriverLoaderTest(test.NoDBTestCase):

    def setUp(self):
        self.useFixture(base.RestoreRootLogger())
        super().setUp()
        objects.register_all()

    def test_load_compute_driver_by_value(self):
        self.flags(compute_driver='rtnova.RealtimeLibvirtDriver')
        loaded = driver.load_compute_driver(fake.FakeVirtAPI())
        self.assertIsInstance(loaded, rt_driver.RealtimeLibvirtDriver)

    def test_alias_is_a_module_not_a_nova_package(self):
        # The package ships nova/virt/rtnova.py only: nova's own
        # __init__ files must be the installed nova's.
        import nova
        import nova.virt.rtnova as alias
        self.assertTrue(alias.__file__.endswith('rtnova.py'))
        self.assertIn('site-packages', nova.__file__)

    def test_unknown_value_exits(self):
        self.flags(compute_driver='rtnova.NoSuchDriver')
        with testtools.ExpectedException(SystemExit):
            driver.load_compute_driver(fake.FakeVirtAPI())
