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

"""rtnova-status: --json, the table, exit codes and configuration errors."""

import io
import json
import os

import fixtures

from rtnova.cmd import status
from rtnova.status import checks

from tests.unit import base
from tests.unit import status_fakes

NOVA_CONF = """[DEFAULT]
compute_driver = rtnova.RealtimeLibvirtDriver

[compute]
cpu_dedicated_set = 4-11

[rtnova]
emulator_pin_set = 2-3
"""


class StatusCLITest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.tree = self.useFixture(status_fakes.FakeHostTree())
        self.conf_file = self.write_conf(NOVA_CONF)

    def write_conf(self, text):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'nova.conf')
        with open(path, 'w') as fh:
            fh.write(text)
        return path

    def run_cli(self, *args, probe=None):
        out, err = io.StringIO(), io.StringIO()
        code = status.main(['--config-file', self.conf_file] + list(args),
                           probe=probe or self.tree.probe, out=out, err=err)
        return code, out.getvalue(), err.getvalue()

    def run_json(self, *args, **kwargs):
        code, out, err = self.run_cli('--json', *args, **kwargs)
        return code, json.loads(out)

    def test_ready_host_exits_0(self):
        code, report = self.run_json()
        self.assertEqual(0, code)
        self.assertEqual(0, report['code'])
        self.assertTrue(report['ready'])
        self.assertEqual([self.conf_file], report['config_files'])
        self.assertEqual(list(checks.CHECK_NAMES),
                         [c['check'] for c in report['checks']])
        self.assertEqual({'Success'}, {c['result'] for c in report['checks']})

    def test_warning_exits_1_and_stays_ready(self):
        self.tree.write('sys/devices/system/cpu/smt/control', 'on')
        code, report = self.run_json()
        self.assertEqual(1, code)
        self.assertTrue(report['ready'])
        smt = [c for c in report['checks'] if c['check'] == 'smt'][0]
        self.assertEqual(('Warning', 1, False),
                         (smt['result'], smt['code'], smt['critical']))
        self.assertIn('nosmt', smt['fix'])

    def test_failure_exits_2_and_is_not_ready(self):
        self.tree.write('proc/sys/kernel/version', '#1 SMP PREEMPT_DYNAMIC')
        self.tree.remove('sys/kernel/realtime')
        code, report = self.run_json()
        self.assertEqual(2, code)
        self.assertFalse(report['ready'])
        kernel = report['checks'][0]
        self.assertEqual(('realtime_kernel', 'Failure', True),
                         (kernel['check'], kernel['result'],
                          kernel['critical']))

    def test_sets_come_from_nova_conf(self):
        self.conf_file = self.write_conf(
            NOVA_CONF.replace('emulator_pin_set = 2-3',
                              'emulator_pin_set = 3-4'))
        code, report = self.run_json()
        self.assertEqual(2, code)
        pool = [c for c in report['checks']
                if c['check'] == 'emulator_pool'][0]
        self.assertIn('CPUs 4 are also in [compute] cpu_dedicated_set',
                      pool['details'])

    def test_priority_options_fail_the_priority_check(self):
        # the configuration nova-compute refuses to start with (see
        # tests/functional/test_host_rules.py): default 10 below min 50
        self.conf_file = self.write_conf(
            NOVA_CONF + 'min_realtime_priority = 50\n'
            'max_realtime_priority = 60\n')
        code, report = self.run_json()
        self.assertEqual(2, code)
        self.assertFalse(report['ready'])
        check = [c for c in report['checks']
                 if c['check'] == 'priority_config'][0]
        self.assertEqual(('Failure', True), (check['result'],
                                             check['critical']))
        self.assertIn('[rtnova] default_realtime_priority: the default '
                      'priority 10 (built in: the option is unset) is '
                      'outside', check['details'])
        self.assertIn('set [rtnova] default_realtime_priority to a value '
                      'from 50 to 60', check['fix'])

    def test_nova_priority_option_is_read(self):
        self.conf_file = self.write_conf(
            NOVA_CONF + '[libvirt]\nrealtime_scheduler_priority = 60\n')
        code, report = self.run_json()
        check = [c for c in report['checks']
                 if c['check'] == 'priority_config'][0]
        self.assertEqual('Failure', check['result'])
        self.assertIn('[libvirt] realtime_scheduler_priority',
                      check['details'])

    def test_table_output(self):
        self.tree.write('etc/tuned/active_profile', 'balanced')
        code, out, err = self.run_cli()
        self.assertEqual(1, code)
        self.assertIn('| rtnova host readiness', out)
        self.assertIn('Check: Real-time kernel (critical)', out)
        self.assertIn('Details: tuned profile: balanced', out)
        self.assertIn('Fix: tuned-adm profile realtime-virtual-host', out)
        self.assertIn('Real-time ready (CUSTOM_RT_READY): yes', out)

    def test_root_option_reads_the_tree(self):
        # no injected probe: --root makes the real probe read the fake tree
        out, err = io.StringIO(), io.StringIO()
        status.main(['--config-file', self.conf_file, '--json', '--root',
                     self.tree.root], out=out, err=err)
        report = json.loads(out.getvalue())
        by_name = {c['check']: c for c in report['checks']}
        self.assertEqual('Success', by_name['realtime_kernel']['result'])
        self.assertIn('node1: 0 x 2048 KiB (0 free), 4 x 1048576 KiB',
                      by_name['hugepages']['details'])

    def test_bad_cpu_list_is_a_clear_error(self):
        self.conf_file = self.write_conf(
            NOVA_CONF.replace('4-11', '4-x'))
        code, out, err = self.run_cli('--json')
        self.assertEqual(2, code)
        self.assertIn('[compute] cpu_dedicated_set', err)
        self.assertIn("give a CPU list such as '4-11'", err)
        self.assertNotIn('Traceback', err)
        self.assertIn('[compute] cpu_dedicated_set',
                      json.loads(out)['error'])

    def test_unknown_critical_check_is_a_clear_error(self):
        self.conf_file = self.write_conf(
            NOVA_CONF + 'readiness_critical_checks = smt,nosuchcheck\n')
        code, out, err = self.run_cli()
        self.assertEqual(2, code)
        self.assertIn('readiness_critical_checks', err)
        self.assertNotIn('Traceback', err)

    def test_missing_config_file_is_a_clear_error(self):
        self.conf_file = '/nonexistent/nova.conf'
        code, out, err = self.run_cli()
        self.assertEqual(2, code)
        self.assertIn('/nonexistent/nova.conf', err)
        self.assertNotIn('Traceback', err)
