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
