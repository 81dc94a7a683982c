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

"""rtnova's value readers accept what oslo.utils accepts, as nova reads it.

nova reads yes/no extra specs with ``strutils.bool_from_string``, NUMA node
counts with ``strutils.is_int_like`` and page sizes with
``strutils.string_to_bytes(..., return_int=True) / units.Ki``; oslo.utils is
the oracle for rtnova's own readers.
"""

from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from oslo_utils import strutils
from oslo_utils import units

from rtnova.hardware import _spec_values as values
from tests.unit import base

_SPACES = st.sampled_from(['', ' ', '\t', '\n', '\u2003', '\xa0'])
_WORDS = st.sampled_from([
    '1', 't', 'true', 'on', 'y', 'yes', '0', 'f', 'false', 'off', 'n', 'no',
    'TRUE', 'Yes', 'oN', 'F', 'NO', 'enabled', 'none', '2', '-1', '',
    'ye', 'yess', 'tru', '\u0131', 'İ', 'ON\u0307', '1.0', '01'])


@st.composite
def _padded_word(draw):
    return draw(_SPACES) + draw(_WORDS) + draw(_SPACES)


_ANY_VALUE = st.one_of(
    _padded_word(), st.text(max_size=6), st.integers(-3, 3), st.booleans(),
    st.none(), st.floats(allow_nan=False, allow_infinity=False))


def _outcome(reader, *args, **kwargs):
    """What ``reader`` returns, or 'refused' when it raises ValueError.

    oslo's size reader lets an OverflowError escape (nova then fails with
    a traceback); rtnova refuses such a size, so that counts as refused.
    """
    try:
        return reader(*args, **kwargs)
    except (ValueError, OverflowError):
        return 'refused'


def _oslo_kib(text):
    return strutils.string_to_bytes(text, return_int=True) / units.Ki


# ---- sizes

_DIGITS = st.sampled_from(['0', '1', '2', '5', '9', '00', '12', '1024',
                           '\u0661', '\u0662\u0660', '\uff14'])


@st.composite
def _number(draw):
    sign = draw(st.sampled_from(['', '', '-', '+', '--', ' ']))
    whole = draw(st.one_of(st.just(''), _DIGITS))
    point = draw(st.sampled_from(['', '', '.', '..']))
    fraction = draw(st.one_of(st.just(''), _DIGITS))
    return sign + whole + point + fraction


_PREFIX = st.sampled_from(['', '', 'K', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y',
                           'R', 'Q', 'k', 'm', 'X', 'KK', 'i'])
_BINARY = st.sampled_from(['', '', 'i', 'I', 'ii'])
_UNIT = st.sampled_from(['B', 'b', 'bit', '', 'Bit', 'bits', 'by', 'iB'])
_END = st.sampled_from(['', '', '', '\n', ' ', '\n\n', '\r'])


@st.composite
def _size_text(draw):
    return (draw(_SPACES) + draw(_number()) + draw(_PREFIX) + draw(_BINARY)
            + draw(_UNIT) + draw(_END))


class BoolFromStringTest(base.TestCase):

    @settings(max_examples=1500, deadline=None)
    @given(_ANY_VALUE, st.booleans(), st.sampled_from([False, True, None]))
    @example(' YES\n', True, False)
    @example('2', True, False)
    @example('İ', False, None)
    def test_same_answer_as_oslo(self, value, strict, default):
        self.assertEqual(
            _outcome(strutils.bool_from_string, value, strict, default),
            _outcome(values.bool_from_string, value, strict, default))

    def test_strict_refusal_names_the_value(self):
        exc = self.assertRaises(ValueError, values.bool_from_string,
                                'maybe', strict=True)
        self.assertIn("'maybe'", str(exc))


class IsIntLikeTest(base.TestCase):

    _values = st.one_of(
        _ANY_VALUE, st.integers().map(str), st.integers(),
        st.builds(lambda n, pad: pad + str(n), st.integers(), _SPACES),
        st.integers(0, 99).map(lambda n: '0%d' % n),
        st.integers(0, 99).map(lambda n: '+%d' % n))

    @settings(max_examples=1500, deadline=None)
    @given(_values)
    @example('-0')
    @example('1_000')
    @example('\u0661')
    @example('9' * 5000)
    def test_same_answer_as_oslo(self, value):
        self.assertEqual(strutils.is_int_like(value),
                         values.is_int_like(value))


class StringToKibTest(base.TestCase):

    @settings(max_examples=3000, deadline=None)
    @given(_size_text())
    @example('2MB')
    @example('2MB\n')
    @example('1GiB')
    @example('512Kb')
    @example('1.5KiB')
    @example('.5bit')
    @example('-1MB')
    @example('9' * 400 + 'QB')
    @example('\u0662MB')
    def test_same_kib_or_both_refuse(self, text):
        self.assertEqual(_outcome(_oslo_kib, text),
                         _outcome(values.string_to_kib, text), repr(text))

    @settings(max_examples=1000, deadline=None)
    @given(st.text(alphabet='0123456789.-+KMGQikbitB \n', max_size=8))
    def test_same_kib_or_both_refuse_free_text(self, text):
        self.assertEqual(_outcome(_oslo_kib, text),
                         _outcome(values.string_to_kib, text), repr(text))

    def test_known_sizes(self):
        self.assertEqual(2048, values.string_to_kib('2MB'))
        self.assertEqual(1024 ** 2, values.string_to_kib('1GiB'))
        self.assertEqual(64, values.string_to_kib('512Kb'))
        self.assertEqual(0.5, values.string_to_kib('512B'))

    def test_refusals_say_why(self):
        for text, why in (('2M', 'unit'), ('2iB', 'prefix'),
                          ('2.MB', 'number'), ('9' * 400 + 'QB', 'large')):
            exc = self.assertRaises(ValueError, values.string_to_kib, text)
            self.assertIn(why, str(exc))
