"""rtnova's CPU spec parser behaves exactly like nova's."""

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from nova import exception as nova_exc
from nova.virt import hardware as nova_hw

from rtnova.hardware import cpuset
from rtnova.hardware import errors
from tests.unit import base

_atom = st.one_of(
    st.integers(0, 64).map(str),
    st.tuples(st.integers(0, 64), st.integers(0, 64)).map(
        lambda t: '%d-%d' % t),
    st.integers(0, 64).map(lambda i: '^%d' % i),
    st.tuples(st.integers(0, 64), st.integers(0, 64)).map(
        lambda t: '^%d-%d' % t),
    st.sampled_from(['', ' ', 'x', '-', '^', '1-', '-3', '^x', '2--3']),
)
_spec = st.lists(_atom, max_size=6).map(','.join)


class CpuSpecTest(base.TestCase):

    @settings(max_examples=2000, deadline=None)
    @given(_spec)
    def test_same_result_or_same_refusal_as_nova(self, spec):
        try:
            expected = nova_hw.parse_cpu_spec(spec)
        except nova_exc.Invalid:
            self.assertRaises(errors.InvalidCPUSpec,
                              cpuset.parse_cpu_spec, spec)
            return
        self.assertEqual(expected, cpuset.parse_cpu_spec(spec))

    @settings(max_examples=500, deadline=None)
    @given(st.sets(st.integers(0, 128), max_size=20), st.booleans())
    def test_format_matches_nova(self, cpus, ranges):
        self.assertEqual(nova_hw.format_cpu_spec(cpus, ranges),
                         cpuset.format_cpu_spec(cpus, ranges))

    def test_error_names_the_spec_and_the_fix(self):
        exc = self.assertRaises(errors.InvalidCPUSpec,
                                cpuset.parse_cpu_spec, '3-1')
        self.assertIn("'3-1'", str(exc))
        self.assertIn('syntax', str(exc))


class CpuOptionTest(base.TestCase):

    def test_unset_is_empty_and_sets_pass_through(self):
        self.assertEqual(frozenset(), cpuset.parse_cpu_option(None, 'opt'))
        self.assertEqual(frozenset(), cpuset.parse_cpu_option('', 'opt'))
        self.assertEqual(frozenset({1, 2}),
                         cpuset.parse_cpu_option({1, 2}, 'opt'))
        self.assertEqual(frozenset({4, 5, 7}),
                         cpuset.parse_cpu_option('4-7,^6', 'opt'))

    def test_bad_spec_names_the_option_and_the_fix(self):
        exc = self.assertRaises(
            errors.InvalidHostConfig, cpuset.parse_cpu_option, '3-1',
            '[rtnova] emulator_pin_set', example='0-1')
        self.assertEqual('[rtnova] emulator_pin_set', exc.option)
        self.assertIn("'3-1'", str(exc))
        self.assertIn("Fix: give a CPU list such as '0-1'", str(exc))
        self.assertNotIn('..', str(exc))
