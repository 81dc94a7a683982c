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

"""Reading extra specs and image properties: values as nova reads them.

nova's ``hardware`` module reads yes/no words, integers and page sizes with
three oslo.utils helpers (``strutils.bool_from_string``, ``is_int_like``
and ``string_to_bytes``). The readers below are rtnova's own and accept
exactly the values those helpers accept, so the core needs no oslo import;
tests/unit/test_spec_values.py compares them with oslo.utils over
generated values.

Image properties are given as glance has them: a flat dict of strings
(``hw_numa_cpus.0``, ``trait:HW_CPU_HYPERTHREADING``), the form nova keeps in
the instance's system metadata. Typed values (bool, int) are accepted too.
"""

import math
import re

from rtnova.hardware import errors

# the words oslo.utils reads as yes/no, after trimming and lower-casing
_YES_NO = dict.fromkeys(('1', 't', 'true', 'on', 'y', 'yes'), True)
_YES_NO.update(dict.fromkeys(('0', 'f', 'false', 'off', 'n', 'no'), False))

# binary (IEC) prefixes: K = 1024, M = 1024 ** 2, ... Q = 1024 ** 10
_PREFIX_POWER = {p: n for n, p in enumerate('KMGTPEZYRQ', start=1)}
# a decimal number with an optional sign: '2', '-1', '.5', '1.25'
_DECIMAL = re.compile(r'[-+]?(?:\d+|\d*\.\d+)')

# nova's ImageMetaProps.NUMA_NODES_MAX
NUMA_NODES_MAX = 128


def flavor_key(name):
    return 'hw:' + name


def image_key(name):
    return 'hw_' + name


def bool_from_string(value, strict=False, default=False):
    """A yes/no value (``True``, ``'on'``, ``' No '``, ``1``) as a bool.

    Anything else is ``default``, or with ``strict`` a ValueError.
    """
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _YES_NO:
        return _YES_NO[word]
    if strict:
        raise ValueError('%r is not a yes/no value' % (value,))
    return default


def is_int_like(value):
    """True for an int, or text written exactly as Python writes an int.

    ``'12'`` and ``'-3'`` are; ``'012'``, ``'+1'``, ``' 1'``, ``'1.0'`` and
    ``True`` are not.
    """
    try:
        as_int = int(value)
    except (TypeError, ValueError, OverflowError):
        return False
    return str(as_int) == str(value)


def _size_parts(text):
    """``(number, power of 1024, in bits)`` of a size such as ``2MiB``."""
    # oslo's pattern ends in '$', which also matches before a final newline
    body = text[:-1] if text.endswith('\n') else text
    for unit, bits in (('bit', True), ('b', True), ('B', False)):
        if body.endswith(unit):
            body = body[:-len(unit)]
            break
    else:
        raise ValueError('%r does not end in a unit (B, b or bit)' % text)
    binary = body.endswith('i')
    if binary:
        body = body[:-1]
    power = _PREFIX_POWER.get(body[-1:], 0)
    if power:
        body = body[:-1]
    elif binary:
        raise ValueError('%r has no unit prefix before "i"' % text)
    if not _DECIMAL.fullmatch(body):
        raise ValueError('%r does not start with a number' % text)
    return body, power, bits


def string_to_kib(text):
    """A size with an IEC unit (``2MB``, ``1GiB``, ``512Kb``) in KiB.

    Bytes are rounded up to a whole byte, then divided by 1024: the result
    may be a float, as in nova's page size arithmetic.

    :raises ValueError: when ``text`` is not such a size.
    """
    number, power, bits = _size_parts(text)
    size = float(number)
    if bits:
        size /= 8
    if power:
        size *= 1024 ** power
    if not math.isfinite(size):
        raise ValueError('%r is too large' % text)
    return int(math.ceil(size)) / 1024


def parse_int(key, value, fix):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise errors.InvalidRequest(
            key, '%r is not an integer' % (value,), fix)


def parse_enum(key, value, allowed):
    if value not in allowed:
        raise errors.InvalidRequest(
            key, '%r is not one of %s' % (value, ', '.join(allowed)),
            'set it to one of %s' % ', '.join(allowed))
    return value


def indexed(props, key):
    """The values of ``key.0``, ``key.1``, ... up to the first gap."""
    values = []
    for cell in range(NUMA_NODES_MAX):
        name = '%s.%d' % (key, cell)
        if name not in props:
            break
        values.append(props[name])
    return values or None


class Specs(object):
    """A flavor's extra specs and an image's properties, read together."""

    def __init__(self, extra_specs, image_props):
        self.extra = dict(extra_specs or {})
        self.image = dict(image_props or {})

    def flavor(self, name, default=None):
        return self.extra.get(flavor_key(name), default)

    def image_value(self, name, default=None):
        return self.image.get(image_key(name), default)

    def both(self, name, default=None):
        return self.flavor(name, default), self.image_value(name, default)

    def unique(self, name, fix):
        """Flavor or image value; refuse two different explicit values.

        For rtnova's own keys: a tenant's image must not silently override
        what the operator's flavor sets (nova's FlavorImageConflict rule).
        Returns ``(key, value)`` naming where the value came from.
        """
        fvalue, ivalue = self.both(name)
        if fvalue not in (None, '') and ivalue not in (None, ''):
            if str(fvalue) != str(ivalue):
                raise errors.InvalidRequest(
                    image_key(name),
                    'image sets %r but the flavor sets %s=%r' % (
                        ivalue, flavor_key(name), fvalue), fix)
        if fvalue not in (None, ''):
            return flavor_key(name), fvalue
        if ivalue not in (None, ''):
            return image_key(name), ivalue
        return None, None
