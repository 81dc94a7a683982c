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

"""tempest's own compute API tests against the deployment tier (a subset).

``python3 -m tools.deploy tempest --regex SUBSET`` as an operator runs it:
tempest from PyPI in its own venv, the generated tempest.conf, the repo's
exclude list. The subset: the flavor tests and ``ServersTestJSON`` of
test_servers (one server at a time, about a minute); deploying.rst has
the full run.
"""

import json
import os
import subprocess
import sys

import testtools

from tools.deploy.tests import base

SUBSET = (r'^tempest\.api\.compute\.(flavors\.|'
          r'servers\.test_servers\.ServersTestJSON\.)')
# what that subset holds with the exclude list; a change in tempest's
# tests or the tier's flags shows up here, not as silently fewer tests
EXPECTED = {'success': 19, 'skip': 0}


class TempestTest(testtools.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.L = base.Deployment.ensure()

    def test_tempest_subset_passes(self):
        res = subprocess.run(
            [sys.executable, '-m', 'tools.deploy', 'tempest', '--state',
             self.L.state, '--regex', SUBSET], cwd=base.TOP,
            capture_output=True, text=True)
        self.assertEqual(0, res.returncode, res.stdout[-6000:] + res.stderr)
        with open(os.path.join(self.L.state, 'tempest',
                               'last-run.json')) as fh:
            run = json.load(fh)
        self.assertEqual([], run.get('fail', []))
        self.assertEqual(EXPECTED, {k: len(run.get(k, []))
                                    for k in EXPECTED}, run)
        self.assertIn('%d passed' % EXPECTED['success'], res.stdout)
