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

"""rtnova-status, installed, on this very machine.

This machine is no real-time host (no PREEMPT_RT kernel, RLIMIT_MEMLOCK
fixed by the sandbox), so most answers are warnings and failures; what is
tested is that the command runs, lists every check, and exits with the code
its own results imply.
"""

import json
import os
import shutil
import subprocess
import sys

import fixtures
import testtools

from rtnova.status import checks


def _command():
    path = os.path.join(os.path.dirname(sys.executable), 'rtnova-status')
    return [path] if os.path.exists(path) else [shutil.which(
        'rtnova-status')]


class TestStatusOnThisHost(testtools.TestCase):

    def setUp(self):
        super().setUp()
        if not _command()[0]:
            self.skipTest('rtnova-status is not installed (pip install .)')
        online = subprocess.run(['cat', '/sys/devices/system/cpu/online'],
                                capture_output=True, text=True).stdout
        self.conf = os.path.join(self.useFixture(fixtures.TempDir()).path,
                                 'nova.conf')
        # the last online CPU dedicated, the first one the emulator pool
        last = online.strip().split(',')[-1].split('-')[-1]
        with open(self.conf, 'w') as fh:
            fh.write('[compute]\ncpu_dedicated_set = %s\n'
                     '[rtnova]\nemulator_pin_set = 0\n' % last)

    def run_status(self, *args):
        return subprocess.run(_command() + ['--config-file', self.conf] +
                              list(args), capture_output=True, text=True,
                              timeout=120)

    def test_json_lists_every_check_and_exit_code_is_honest(self):
        proc = self.run_status('--json')
        report = json.loads(proc.stdout)

        self.assertEqual(list(checks.CHECK_NAMES),
                         [c['check'] for c in report['checks']])
        worst = max(c['code'] for c in report['checks'])
        self.assertEqual(worst, proc.returncode, proc.stderr)
        self.assertEqual(worst, report['code'])
        failed_critical = [c['check'] for c in report['checks']
                           if c['critical'] and c['result'] == 'Failure']
        self.assertEqual(not failed_critical, report['ready'])
        for check in report['checks']:
            self.assertIn(check['result'], ('Success', 'Warning', 'Failure'))
            self.assertTrue(check['details'], check['check'])
            if check['result'] != 'Success':
                self.assertTrue(check['fix'], check['check'])

    def test_table_has_the_same_exit_code(self):
        as_json = self.run_status('--json')
        table = self.run_status()

        self.assertEqual(as_json.returncode, table.returncode, table.stderr)
        self.assertIn('rtnova host readiness', table.stdout)
        for title in [t for _, t, _ in checks.CHECKS]:
            self.assertIn('Check: %s' % title, table.stdout)
