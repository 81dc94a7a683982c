"""Reading extra specs and image properties: values as nova reads them.

Pure copies of the few oslo.utils helpers nova's ``hardware`` module uses
(``bool_from_string``, ``is_int_like``, ``string_to_bytes``) so the core
needs no oslo import; the nova-equivalence test proves they agree on the
values that matter.

Image properties are given as glance has them: a flat dict of strings
(``hw_numa_cpus.0``, ``trait:HW_CPU_HYPERTHREADING``), the form nova keeps in
the instance's system metadata. Typed values (bool, int) are accepted too.
"""

import math
import re

from rtnova.hardware import cpuset
from rtnova.hardware import errors

TRUE_STRINGS = ('1', 't', 'true', 'on', 'y', 'yes')
FALSE_STRINGS = ('0', 'f', 'false', 'off', 'n', 'no')

# oslo.utils' IEC unit matcher, the one nova uses for hw:mem_page_size
_BYTES_RE = re.compile(r'(^[-+]?\d*\.?\d+)([KMGTPEZYRQ]i?)?(b|bit|B)$')
_UNIT_EXPONENT = {p: i + 1 for i, p in enumerate('KMGTPEZYRQ')}

# nova's ImageMetaProps.NUMA_NODES_MAX
NUMA_NODES_MAX = 128


def flavor_key(name):
    return 'hw:' + name


def image_key(name):
    return 'hw_' + name


def bool_from_string(value, strict=False, default=False):
    """oslo.utils' ``bool_from_string``; ``strict`` raises ValueError."""
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in TRUE_STRINGS:
        return True
    if lowered in FALSE_STRINGS:
        return False
    if strict:
        raise ValueError(value)
    return default


def is_int_like(value):
    try:
        return str(int(value)) == str(value)
    except (TypeError, ValueError):
        return False


def string_to_kib(text):
    """nova's page size arithmetic: IEC bytes / 1024 (may be a float).

    :raises ValueError: when ``text`` is not a size.
    """
    match = _BYTES_RE.match(text)
    if not match:
        raise ValueError(text)
    magnitude = float(match.group(1))
    if match.group(3) in ('b', 'bit'):
        magnitude /= 8
    prefix = match.group(2)
    if prefix:
        magnitude *= pow(1024, _UNIT_EXPONENT[prefix[0]])
    return int(math.ceil(magnitude)) / 1024


def parse_mask(key, mask, vcpus):
    """A vCPU mask in nova's two forms: ``^0-1`` (exclusion) or ``2-3``.

    An exclusion mask is taken against all ``vcpus`` guest CPUs, exactly as
    nova's ``get_realtime_cpu_constraint`` does.
    """
    if mask.strip().startswith('^'):
        spec = '0-%d,%s' % (vcpus - 1, mask)
    else:
        spec = mask
    return frozenset(parse_cpus(key, spec))


def parse_cpus(key, spec):
    try:
        return cpuset.parse_cpu_spec(spec)
    except errors.InvalidCPUSpec as exc:
        raise errors.InvalidRequest(
            key, exc.message,
            "give a vCPU list such as '0-1', '2,3' or '^0'")


def parse_int(key, value, fix):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise errors.InvalidRequest(
            key, '%r is not an integer' % (value,), fix)


def parse_bool(key, value):
    try:
        return bool_from_string(value, strict=True)
    except ValueError:
        raise errors.InvalidRequest(
            key, '%r is not a boolean' % (value,),
            "use 'true' or 'false'")


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
