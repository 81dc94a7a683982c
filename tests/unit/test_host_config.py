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

"""The host rules (pool, priorities, pool shrink) and their conf adapter."""

import os
import tempfile

from oslo_config import cfg
from oslo_config import fixture as config_fixture

from nova.conf import compute as nova_compute_conf
from nova.conf import libvirt as nova_libvirt_conf

import rtnova.conf
from rtnova.conf import host_config
from rtnova.hardware import errors
from rtnova.hardware import host_config_rules as rules
from rtnova.hostfs import host_reader
from tests.unit import base

FACTS = rules.HostFacts(present=frozenset(range(12)),
                        online=frozenset(range(12)),
                        cmdline='BOOT_IMAGE=/vmlinuz isolcpus=4-11')
DEDICATED = frozenset(range(4, 12))


def _sets(pool, dedicated=DEDICATED, shared=frozenset()):
    return rules.CPUSets(pool=host_config.parse_pool(pool),
                         dedicated=dedicated, shared=shared)


class ReadCmdlineTest(base.TestCase):

    def test_reads_the_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, 'proc'))
            with open(os.path.join(tmp, 'proc', 'cmdline'), 'w') as fh:
                fh.write('ro isolcpus=1\n')
            self.assertEqual('ro isolcpus=1\n',
                             host_reader.read_cmdline(tmp))


class PoolRulesTest(base.TestCase):

    def _refused(self, pool, facts=FACTS, **kwargs):
        problems = rules.pool_problems(_sets(pool, **kwargs), facts)
        self.assertTrue(problems, 'pool %s accepted' % pool)
        for exc in problems:
            self.assertEqual('[rtnova] emulator_pin_set', exc.option)
            self.assertIn('Fix:', str(exc))
        return problems

    def test_housekeeping_pool_accepted(self):
        self.assertEqual((), rules.pool_problems(_sets('2-3'), FACTS))

    def test_no_pool_accepted(self):
        self.assertEqual(frozenset(), host_config.parse_pool(None))
        self.assertEqual((), rules.pool_problems(_sets(None), FACTS))

    def test_overlap_with_dedicated_set(self):
        exc, = self._refused('3-4', facts=rules.HostFacts())
        self.assertIn('CPUs 4 are also in [compute] cpu_dedicated_set',
                      exc.problem)
        self.assertIn('remove 4', exc.fix)

    def test_overlap_with_shared_set(self):
        exc, = self._refused('2-3', shared=frozenset({0, 1, 2}))
        self.assertIn('CPUs 2 are also in [compute] cpu_shared_set',
                      exc.problem)

    def test_non_existent_cpu(self):
        exc, = self._refused('2,14', dedicated=frozenset())
        self.assertIn('14 do not exist', exc.problem)

    def test_offline_cpu(self):
        facts = rules.HostFacts(present=frozenset(range(12)),
                                online=frozenset(range(12)) - {3})
        exc, = self._refused('2-3', facts=facts)
        self.assertIn('CPUs 3 are not online', exc.problem)

    def test_unknown_facts_are_not_judged(self):
        self.assertEqual((), rules.pool_problems(
            _sets('2,40'), rules.HostFacts()))

    def test_isolated_cpu_after_isolcpus_flags(self):
        facts = rules.HostFacts(FACTS.present, FACTS.online,
                                'isolcpus=managed_irq,domain,2,8-11')
        exc, = self._refused('1-2', dedicated=frozenset(), facts=facts)
        self.assertIn('CPUs 2 are in isolcpus=', exc.problem)

    def test_nohz_full_cpu(self):
        facts = rules.HostFacts(FACTS.present, FACTS.online,
                                'ro nohz_full=3-11')
        exc, = self._refused('2-3', dedicated=frozenset(), facts=facts)
        self.assertIn('CPUs 3 are in nohz_full=', exc.problem)
        self.assertIn('housekeeping', exc.fix)

    def test_every_problem_is_reported(self):
        facts = rules.HostFacts(FACTS.present, FACTS.online, 'isolcpus=3')
        problems = self._refused('3-4', facts=facts,
                                 shared=frozenset({3}))
        self.assertEqual(3, len(problems))
        text = rules.message(problems)
        self.assertEqual(3, text.count('[rtnova] emulator_pin_set:'))

    def test_bad_syntax_names_the_option(self):
        exc = self.assertRaises(errors.InvalidHostConfig,
                                host_config.parse_pool, '2-x')
        self.assertEqual('[rtnova] emulator_pin_set', exc.option)

    def test_empty_selection(self):
        exc = self.assertRaises(errors.InvalidHostConfig,
                                host_config.parse_pool, '2,^2')
        self.assertIn('no CPU', exc.problem)


class PriorityRulesTest(base.TestCase):

    def _problems(self, **kwargs):
        return rules.priority_problems(rules.PrioritySettings(**kwargs))

    def test_defaults_accepted(self):
        self.assertEqual((), self._problems())
        limits = rules.priority_limits(rules.PrioritySettings())
        self.assertEqual((10, 1, 49), (limits.default_priority,
                                       limits.min_priority,
                                       limits.max_priority))

    def test_min_above_unset_default_names_the_default_option(self):
        exc, = self._problems(min_priority=50, max_priority=60)
        self.assertEqual('[rtnova] default_realtime_priority', exc.option)
        self.assertIn('10 (built in: the option is unset) is outside',
                      exc.problem)
        self.assertIn('from 50 to 60', exc.fix)
        self.assertRaises(errors.InvalidHostConfig, rules.priority_limits,
                          rules.PrioritySettings(min_priority=50,
                                                 max_priority=60))

    def test_nova_option_as_default_is_named(self):
        exc, = self._problems(nova_priority=70)
        self.assertEqual('[libvirt] realtime_scheduler_priority', exc.option)
        self.assertIn('70 is outside', exc.problem)

    def test_nova_option_inside_range_is_the_default(self):
        limits = rules.priority_limits(rules.PrioritySettings(
            nova_priority=20))
        self.assertEqual(20, limits.default_priority)

    def test_empty_range(self):
        exc, = self._problems(min_priority=40, max_priority=30,
                              default_priority=35)
        self.assertEqual('[rtnova] min_realtime_priority', exc.option)
        self.assertIn('40-30 is empty', exc.problem)

    def test_outside_kernel_range(self):
        problems = self._problems(min_priority=0, max_priority=120,
                                  default_priority=10)
        self.assertEqual(['[rtnova] min_realtime_priority',
                          '[rtnova] max_realtime_priority'],
                         [p.option for p in problems])
        self.assertIn('1-99', problems[1].problem)

    def test_bad_policy(self):
        exc, = self._problems(default_policy='deadline')
        self.assertEqual('[rtnova] default_realtime_policy', exc.option)


class PoolShrinkTest(base.TestCase):

    def test_capacity_covering_usage_is_fine(self):
        self.assertIsNone(rules.pool_shrink_problem(20, {'a': 1, 'b': 1}))
        self.assertIsNone(rules.pool_shrink_problem(0, {}))

    def test_removal_names_every_holder(self):
        exc = rules.pool_shrink_problem(0, {'uuid-b': 1, 'uuid-a': 2})
        self.assertEqual('[rtnova] emulator_pin_set', exc.option)
        self.assertIn('provides 0 CUSTOM_RT_EMULATOR_POOL units but 3 are '
                      'allocated to guests on this host (uuid-a, uuid-b)',
                      exc.problem)
        self.assertIn('until those guests are moved', exc.fix)


class ConfAdapterTest(base.TestCase):

    def setUp(self):
        super().setUp()
        conf = cfg.ConfigOpts()
        nova_compute_conf.register_opts(conf)
        nova_libvirt_conf.register_opts(conf)
        rtnova.conf.register_opts(conf)
        self.conf = self.useFixture(config_fixture.Config(conf))
        self.conf.conf([])

    def test_problems_of_pool_and_priorities_together(self):
        self.conf.config(cpu_dedicated_set='4-11', cpu_shared_set='2',
                         group='compute')
        self.conf.config(emulator_pin_set='2-3', min_realtime_priority=20,
                         group='rtnova')
        problems = host_config.problems(self.conf.conf, FACTS)
        self.assertEqual(['[rtnova] emulator_pin_set',
                          '[rtnova] default_realtime_priority'],
                         [p.option for p in problems])

    def test_legacy_vcpu_pin_set_is_named(self):
        self.conf.config(vcpu_pin_set='2-11')
        self.conf.config(emulator_pin_set='2', group='rtnova')
        exc, = host_config.problems(self.conf.conf, FACTS)
        self.assertIn('[DEFAULT] vcpu_pin_set', exc.problem)
