"""The unit tier's test case."""

import logging

import fixtures
import testtools


class TestCase(testtools.TestCase):
    """testtools' TestCase, with log output captured.

    Unit tests compare rtnova with nova's own functions, which log at DEBUG
    and INFO for every fit they try; the lines are kept as a test detail
    (shown when the test fails) instead of flooding the run's output.
    """

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
