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

"""rtnova's CPU list parser and formatter, with nova's own as the oracle.

nova's ``parse_cpu_spec``/``format_cpu_spec`` decide what an operator's
``cpu_dedicated_set`` or a flavor's ``hw:cpu_realtime_mask`` means; ours
must accept and refuse the same strings and give the same sets.
"""

import re

from hypothesis import assume
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from nova import exception as nova_exc
from nova.virt import hardware as nova_hw

from rtnova.hardware import cpuset
from rtnova.hardware import errors
from tests.unit import base

# decimal digits int() reads besides ASCII: Arabic-Indic, Devanagari,
# fullwidth; '²' and '½' are "digits" to str.isdigit() but not to int()
_DIGIT_ZEROS = (0x660, 0x966, 0xff10)
_SPACES = ['', ' ', '  ', '\t', '\u2003', '\xa0', '\n']


def _other_digits(text, zero):
    return ''.join(chr(zero + int(c)) if c.isdigit() else c for c in text)


def _underscored(text):
    return '_'.join(text) if len(text) > 1 else text


_cpu = st.integers(0, 80)
# a number as someone might write it, each form int() reads
_number = st.one_of(
    _cpu.map(str),
    _cpu.map(lambda n: '+%d' % n),
    _cpu.map(lambda n: '0%d' % n),
    _cpu.map(lambda n: _underscored(str(n))),
    st.tuples(_cpu, st.sampled_from(_DIGIT_ZEROS)).map(
        lambda t: _other_digits(str(t[0]), t[1])),
    _cpu.map(lambda n: '-%d' % n),
)
_pad = st.sampled_from(_SPACES)


@st.composite
def _range(draw):
    low = draw(st.integers(0, 10 ** 12))
    high = low + draw(st.integers(-3, 40))
    return '%s%d%s-%s%d' % (draw(_pad), low, draw(_pad), draw(_pad), high)


_junk = st.sampled_from([
    '', ' ', '^', '-', '^-', '--', '-^', '1-', '-3', '^x', '^^1', '2--3',
    '0--0', '4--0', '1-2-3', '1 2', 'x', '1.0', '0x1', '1e2', '²', '½',
    '١-٣', '^ 2', '3 -5', '^1 - 2', '1_', '_1', '1__2', '+-1', '-+1',
])


@st.composite
def _item(draw):
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(_junk)
    remove = draw(st.sampled_from(['', '^']))
    if kind == 1:
        body = draw(_range())
    elif kind == 2:
        # far-away CPUs too, alone or in short ranges (nova builds the
        # whole set, so a huge range would only measure memory)
        body = draw(st.one_of(_number, st.integers(10 ** 6, 10 ** 12).map(
            str)))
    else:
        body = '%s%s-%s%s' % (draw(_number), draw(_pad), draw(_pad),
                              draw(_number))
    return draw(_pad) + remove + body + draw(_pad)


_spec = st.lists(_item(), max_size=6).map(','.join)
# free text over the grammar's characters; runs of digits stay short so no
# range is large enough to matter for memory
_text = st.text(alphabet=' ,-^+_0123456789\t\u2003\u0661x', max_size=14)


def _nova(spec):
    """nova's set, or None when nova refuses ``spec``."""
    try:
        return nova_hw.parse_cpu_spec(spec)
    except nova_exc.Invalid:
        return None


def _ours(spec):
    try:
        return cpuset.parse_cpu_spec(spec)
    except errors.InvalidCPUSpec:
        return None


class CpuSpecParseTest(base.TestCase):

    @settings(max_examples=800, deadline=None)
    @given(_spec)
    @example('')
    @example(',,,')
    @example('0--0')
    @example('^0--0,0-3')
    @example('\u0661-\u0663,^\u0662')
    @example('1_0-1_2')
    def test_same_set_or_both_refuse_generated_specs(self, spec):
        self.assertEqual(_nova(spec), _ours(spec), spec)

    @settings(max_examples=1000, deadline=None)
    @given(_text)
    def test_same_set_or_both_refuse_free_text(self, spec):
        assume(all(len(run) <= 4 for run in re.findall(r'[\d_]+', spec)))
        self.assertEqual(_nova(spec), _ours(spec), spec)

    def test_known_answers(self):
        self.assertEqual({0, 1, 3, 8}, cpuset.parse_cpu_spec('0-3,^2,8'))
        self.assertEqual({4, 5}, cpuset.parse_cpu_spec('^3, 3-5 ,,'))
        self.assertEqual(set(), cpuset.parse_cpu_spec(' , '))
        self.assertEqual({0}, cpuset.parse_cpu_spec('0--0'))

    def test_errors_name_the_spec_the_item_and_the_syntax(self):
        for spec, item, problem in (
                ('0,3-1', '3-1', 'runs backwards'),
                ('1, ^ ,2', '^', 'a CPU number is missing'),
                ('4-', '4-', 'a CPU number is missing'),
                ('1-2-3', '1-2-3', "'2-3' is not a CPU number"),
                ('2--3', '2--3', 'runs backwards')):
            exc = self.assertRaises(errors.InvalidCPUSpec,
                                    cpuset.parse_cpu_spec, spec)
            self.assertIn(repr(spec), str(exc))
            self.assertIn('item %r' % item, str(exc))
            self.assertIn(problem, str(exc))
            self.assertIn('syntax', str(exc))
            self.assertIsNone(_nova(spec))


class CpuSpecFormatTest(base.TestCase):

    _ids = st.one_of(st.sets(st.integers(0, 256), max_size=40),
                     st.sets(st.integers(0, 10 ** 9), max_size=8))

    @settings(max_examples=500, deadline=None)
    @given(_ids, st.booleans())
    def test_format_matches_nova(self, cpus, ranges):
        self.assertEqual(nova_hw.format_cpu_spec(cpus, ranges),
                         cpuset.format_cpu_spec(cpus, ranges))

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.integers(0, 32), max_size=12))
    def test_format_of_a_list_with_repeats_matches_nova(self, cpus):
        self.assertEqual(nova_hw.format_cpu_spec(cpus),
                         cpuset.format_cpu_spec(cpus))

    @settings(max_examples=500, deadline=None)
    @given(_ids, st.booleans())
    def test_round_trip(self, cpus, ranges):
        text = cpuset.format_cpu_spec(cpus, ranges)
        self.assertEqual(cpus, cpuset.parse_cpu_spec(text))
        self.assertEqual(cpus, nova_hw.parse_cpu_spec(text))

    @settings(max_examples=300, deadline=None)
    @given(_spec)
    def test_parsed_spec_formats_to_nova_canonical_form(self, spec):
        ids = _ours(spec)
        assume(ids is not None)
        text = cpuset.format_cpu_spec(ids)
        self.assertEqual(nova_hw.format_cpu_spec(_nova(spec)), text)
        self.assertEqual(ids, cpuset.parse_cpu_spec(text))

    def test_known_answers(self):
        self.assertEqual('0-3,8,10-11',
                         cpuset.format_cpu_spec({0, 1, 2, 3, 8, 10, 11}))
        self.assertEqual('0,1,2,8',
                         cpuset.format_cpu_spec({2, 0, 1, 8}, False))
        self.assertEqual('', cpuset.format_cpu_spec(set()))


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


class KernelSyntaxTest(base.TestCase):
    """The kernel's hex masks and lists read from /proc and /sys."""

    def test_hex_masks(self):
        self.assertEqual('ff0', cpuset.format_hex_mask(range(4, 12)))
        self.assertEqual('1,00000010', cpuset.format_hex_mask({4, 32}))
        self.assertEqual(frozenset({4, 32}),
                         cpuset.parse_hex_mask('1,00000010'))
        self.assertIsNone(cpuset.parse_hex_mask('zz'))

    def test_cpu_mask_parsing(self):
        self.assertEqual(frozenset({4, 5, 6, 7, 32}),
                         cpuset.parse_hex_mask('1,000000f0'))
        self.assertIsNone(cpuset.parse_hex_mask(None))

    def test_lenient_list_and_description(self):
        self.assertEqual(frozenset({1, 2}),
                         cpuset.parse_cpu_spec_or_none('1-2'))
        self.assertIsNone(cpuset.parse_cpu_spec_or_none('1-x'))
        self.assertIsNone(cpuset.parse_cpu_spec_or_none(None))
        self.assertEqual('(none)', cpuset.describe(frozenset()))
        self.assertEqual('0-2', cpuset.describe({0, 1, 2}))
