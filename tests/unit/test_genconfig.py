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
