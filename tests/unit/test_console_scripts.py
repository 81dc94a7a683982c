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

"""Console scripts end quietly when the reader of their output goes away."""

import subprocess
import sys

from rtnova.cmd import console
from tests.unit import base

# rtnova-plan's default plan, as its console script would run it
PLAN = ('import sys\nfrom rtnova.cmd import plan\n'
        'sys.exit(plan.main(["--json"]))\n')


class ClosedPipeTest(base.TestCase):

    def test_plan_into_a_closed_pipe_ends_without_a_traceback(self):
        child = subprocess.Popen([sys.executable, '-c', PLAN],
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        # the reader goes away before the command writes (| head -0):
        # the child is still starting its interpreter
        child.stdout.close()
        err = child.stderr.read().decode()
        code = child.wait()
        self.assertNotIn('Traceback', err)
        self.assertNotIn('BrokenPipeError', err)
        self.assertEqual(console.CLOSED_PIPE, code)

    def test_other_errors_still_propagate(self):
        @console.quiet_on_closed_pipe
        def main():
            raise ValueError('not a pipe problem')
        self.assertRaises(ValueError, main)
