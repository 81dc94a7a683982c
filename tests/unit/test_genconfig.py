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

"""The committed sample config is what oslo-config-generator produces."""

import os
import subprocess
import sys
import tempfile

from tests.unit import base

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SAMPLE = os.path.join(TOP, 'etc', 'rtnova', 'rtnova.conf.sample')
GEN_CONF = os.path.join(TOP, 'etc', 'rtnova', 'rtnova-config-generator.conf')


class SampleConfigTest(base.TestCase):

    def test_sample_is_in_sync(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, 'rtnova.conf.sample')
            # the same generator `tox -e genconfig` runs, on this tree
            env = dict(os.environ, PYTHONPATH=TOP)
            subprocess.run(
                [sys.executable, '-m', 'oslo_config.generator',
                 '--config-file', GEN_CONF, '--output-file', out],
                check=True, env=env, cwd=TOP, capture_output=True)
            with open(out) as fh:
                generated = fh.read()
        with open(SAMPLE) as fh:
            committed = fh.read()
        self.assertEqual(
            committed, generated,
            'etc/rtnova/rtnova.conf.sample is stale: run tox -e genconfig')
