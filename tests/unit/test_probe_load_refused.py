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

"""A planted spinner whose CPU the kernel refuses is reported, not fatal.

Under rtnova-shield the spinner of ``--load same-cpu`` asks for a CPU
outside its cpuset and gets EINVAL. Here a CPU this host does not have
gets the same answer from sched_setaffinity.
"""

from rtnova.probe import load
from tests.unit import base

NO_SUCH_CPU = 4095


class RefusedSpinnerTest(base.TestCase):

    def test_refused_spinner_keeps_running_and_says_so(self):
        planted = load.Load('same-cpu', (NO_SUCH_CPU,))
        self.addCleanup(planted.stop)
        planted.start()
        self.assertIsNone(planted.check_running())
        self.assertEqual(1, len(planted.refused))
        self.assertIn('asked for pCPU %d: refused by the kernel (EINVAL'
                      % NO_SUCH_CPU, planted.describe())
        planted.stop()
        self.assertEqual([], planted.procs)

    def test_refusal_line(self):
        self.assertIsNone(load.refusal('pinned 1\n'))
        self.assertIsNone(load.refusal(''))
        self.assertEqual(
            'asked for pCPU 1: refused by the kernel (EINVAL: the CPU is '
            'outside its cpuset, e.g. rtnova-shield\'s), so it spins on '
            'CPU 0', load.refusal('refused 1 EINVAL allowed 0\n'))
