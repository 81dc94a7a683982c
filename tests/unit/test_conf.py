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

"""The [rtnova] options refuse bad values and are all documented."""

import importlib
import os

from oslo_config import cfg
from oslo_config import fixture as config_fixture

import rtnova.conf
from rtnova.conf import opts
from tests.unit import base


class OptionsTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.conf = cfg.ConfigOpts()
        rtnova.conf.register_opts(self.conf)
        self.fixture = self.useFixture(config_fixture.Config(self.conf))
        self.conf([])

    def test_every_option_has_help(self):
        for group, options in opts.list_opts():
            self.assertEqual('rtnova', group.name)
            for opt in options:
                self.assertTrue(opt.help and len(opt.help) > 20, opt.name)

    def test_bounds_refuse_bad_values(self):
        for name, bad in [('emulator_pool_guests_per_cpu', 0),
                          ('default_realtime_priority', 100),
                          ('max_realtime_priority', 0)]:
            self.assertRaises(ValueError, self.fixture.config,
                              group='rtnova', **{name: bad})

    def test_policy_choices(self):
        self.assertRaises(ValueError, self.fixture.config, group='rtnova',
                          default_realtime_policy='batch')
        self.fixture.config(group='rtnova', default_realtime_policy='rr')
        self.assertEqual('rr', self.conf.rtnova.default_realtime_policy)

    def test_register_twice_is_harmless(self):
        rtnova.conf.register_opts(self.conf)
        self.assertEqual(20, self.conf.rtnova.emulator_pool_guests_per_cpu)

    def test_every_option_module_is_registered(self):
        # the convention of rtnova/conf/__init__.py: an option module has
        # OPTS and is in _MODULES; the readers (host_config) and the
        # generator entry point (opts) have no options
        directory = os.path.dirname(rtnova.conf.__file__)
        with_opts = set()
        for name in os.listdir(directory):
            if name.endswith('.py') and name != '__init__.py':
                module = importlib.import_module('rtnova.conf.' + name[:-3])
                if hasattr(module, 'OPTS'):
                    with_opts.add(module)
        self.assertEqual(with_opts, set(rtnova.conf._MODULES))
