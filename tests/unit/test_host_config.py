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

"""Start-up validation of the emulator pool."""

import os
import tempfile


from rtnova.hardware import errors
from rtnova.virt import host_config
from tests.unit import base

FACTS = host_config.HostFacts(present=frozenset(range(12)),
                              online=frozenset(range(12)),
                              cmdline='BOOT_IMAGE=/vmlinuz isolcpus=4-11')
DEDICATED = frozenset(range(4, 12))


class ReadCmdlineTest(base.TestCase):

    def test_reads_the_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'cmdline')
            with open(path, 'w') as fh:
                fh.write('ro isolcpus=1\n')
            self.assertEqual('ro isolcpus=1\n',
                             host_config.read_cmdline(path))


class ValidatePoolTest(base.TestCase):

    def _refused(self, pool, dedicated=DEDICATED, facts=FACTS):
        exc = self.assertRaises(
            errors.InvalidHostConfig, host_config.validate_pool,
            host_config.parse_pool(pool), dedicated, facts)
        self.assertEqual('[rtnova] emulator_pin_set', exc.option)
        self.assertIn('[rtnova] emulator_pin_set', str(exc))
        self.assertIn('Fix:', str(exc))
        return exc

    def test_housekeeping_pool_accepted(self):
        host_config.validate_pool(host_config.parse_pool('2-3'), DEDICATED,
                                  FACTS)

    def test_no_pool_accepted(self):
        self.assertEqual(frozenset(), host_config.parse_pool(None))
        host_config.validate_pool(frozenset(), DEDICATED, FACTS)

    def test_overlap_with_dedicated_set(self):
        exc = self._refused('3-4')
        self.assertIn('cpu_dedicated_set', exc.problem)
        self.assertIn('remove 4', exc.fix)

    def test_non_existent_cpu(self):
        exc = self._refused('2,14', dedicated=frozenset())
        self.assertIn('14 do not exist', exc.problem)

    def test_offline_cpu(self):
        facts = host_config.HostFacts(
            present=frozenset(range(12)),
            online=frozenset(range(12)) - {3}, cmdline='')
        exc = self._refused('2-3', facts=facts)
        self.assertIn('3 are offline', exc.problem)

    def test_isolated_cpu_after_isolcpus_flags(self):
        facts = host_config.HostFacts(FACTS.present, FACTS.online,
                                      'isolcpus=managed_irq,domain,2,8-11')
        exc = self._refused('1-2', dedicated=frozenset(), facts=facts)
        self.assertIn('CPUs 2 are isolated', exc.problem)

    def test_isolated_cpu(self):
        facts = host_config.HostFacts(FACTS.present, FACTS.online,
                                      'ro isolcpus=3-11')
        exc = self._refused('2-3', dedicated=frozenset(), facts=facts)
        self.assertIn('isolcpus', exc.problem)
        self.assertIn('housekeeping', exc.fix)

    def test_bad_syntax_names_the_option(self):
        exc = self.assertRaises(errors.InvalidHostConfig,
                                host_config.parse_pool, '2-x')
        self.assertEqual('[rtnova] emulator_pin_set', exc.option)

    def test_empty_selection(self):
        exc = self.assertRaises(errors.InvalidHostConfig,
                                host_config.parse_pool, '2,^2')
        self.assertIn('no CPU', exc.problem)
