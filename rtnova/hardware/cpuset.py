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

"""CPU lists as nova writes them in options and extra specs: ``0-3,^2,8``.

The grammar: items separated by commas; an item is ``N``, ``N-M``, ``^N``
or ``^N-M`` (``^`` removes CPUs). Blank items are skipped; white space
around an item and around each number is ignored; a number is what
Python's ``int()`` reads (so ``+3``, ``007`` and non-ASCII decimal digits
count, as they do for nova). The result is the union of the included CPUs
minus the union of the removed ones, whatever the item order.

nova (``nova.virt.hardware.parse_cpu_spec``) accepts and refuses exactly
the same strings; tests/unit/test_cpuset.py checks that with nova as the
oracle over generated specs. The core keeps its own parser so it needs no
nova import.
"""

from rtnova.hardware import errors


def _number(text, item, spec):
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        problem = ('%r is not a CPU number' % text if text
                   else 'a CPU number is missing')
        raise errors.InvalidCPUSpec(spec, 'item %r: %s' % (item, problem))


def _read_item(item, spec):
    """``(remove, first, last)`` for one non-blank item."""
    body = item.strip()
    remove = body.startswith('^')
    if remove:
        body = body[1:]
    # the first dash separates the bounds; a second one makes the upper
    # bound negative, and so a backwards range
    low, dash, high = body.partition('-')
    first = _number(low, item.strip(), spec)
    last = _number(high, item.strip(), spec) if dash else first
    if last < first:
        raise errors.InvalidCPUSpec(
            spec, 'item %r: the range runs backwards (%d > %d)' % (
                item.strip(), first, last))
    return remove, first, last


def parse_cpu_spec(spec):
    """The set of CPU ids ``spec`` names.

    :raises errors.InvalidCPUSpec: for any string nova refuses.
    """
    wanted, removed = set(), set()
    for item in spec.split(','):
        if not item.strip():
            continue
        remove, first, last = _read_item(item, spec)
        (removed if remove else wanted).update(range(first, last + 1))
    return wanted - removed


def parse_cpu_option(value, option, example='4-11'):
    """A CPU-set option (or host-description field) as a frozenset.

    Unset (None or '') is the empty set; a set of ids passes through.

    :raises errors.InvalidHostConfig: naming ``option``, on bad syntax.
    """
    if value is None or value == '':
        return frozenset()
    if not isinstance(value, str):
        return frozenset(value)
    try:
        return frozenset(parse_cpu_spec(value))
    except errors.InvalidCPUSpec as exc:
        raise errors.InvalidHostConfig(
            option, exc.message.rstrip('.'),
            "give a CPU list such as '%s'" % example)


def parse_vcpu_list(key, spec):
    """A list of a guest's vCPUs given by extra spec or image key ``key``.

    :raises errors.InvalidRequest: naming ``key``, on bad syntax.
    """
    try:
        return parse_cpu_spec(spec)
    except errors.InvalidCPUSpec as exc:
        raise errors.InvalidRequest(
            key, exc.message,
            "give a vCPU list such as '0-1', '2,3' or '^0'")


def parse_vcpu_mask(key, mask, vcpus):
    """A vCPU mask in nova's two forms: ``^0-1`` (exclusion) or ``2-3``.

    An exclusion mask is taken against all ``vcpus`` guest CPUs, exactly as
    nova's ``get_realtime_cpu_constraint`` does (``hw:cpu_realtime_mask``,
    ``hw:pci_irq_affinity_mask``).

    :raises errors.InvalidRequest: naming ``key``, on bad syntax.
    """
    if mask.strip().startswith('^'):
        spec = '0-%d,%s' % (vcpus - 1, mask)
    else:
        spec = mask
    return frozenset(parse_vcpu_list(key, spec))


def _runs(ids):
    """Maximal runs of consecutive ids, as ``(first, last)``, ascending."""
    run = None
    for cpu in sorted(ids):
        if run is not None and cpu == run[1] + 1:
            run[1] = cpu
            continue
        if run is not None:
            yield tuple(run)
        run = [cpu, cpu]
    if run is not None:
        yield tuple(run)


def format_cpu_spec(cpuset, allow_ranges=True):
    """The spec string for a set of CPU ids: ``0-3,8`` (nova's form).

    With ``allow_ranges=False`` every id is listed (``0,1,2,3,8``), the
    form some kernel and libvirt fields want.
    """
    if not allow_ranges:
        return ','.join(str(cpu) for cpu in sorted(cpuset))
    return ','.join(str(first) if first == last else '%d-%d' % (first, last)
                    for first, last in _runs(cpuset))


def parse_cpu_spec_or_none(spec):
    """The CPUs of a list the kernel wrote, or None when it is not one.

    For text read from ``/proc`` and ``/sys``, where an unreadable or odd
    value means "unknown" and the caller decides what that means.
    """
    if spec is None:
        return None
    try:
        return frozenset(parse_cpu_spec(spec))
    except errors.InvalidCPUSpec:
        return None


def describe(cpus):
    """A CPU set for a message: its list, or ``(none)`` when empty."""
    return format_cpu_spec(cpus) if cpus else '(none)'


# The kernel's other CPU syntax: a hex bit mask, as /proc/irq/*/smp_affinity,
# /sys/devices/virtual/workqueue/cpumask and irqbalance's
# IRQBALANCE_BANNED_CPUS write it ("ff0"; above CPU 31 in 32-bit words
# joined by commas: "1,000000f0").

def parse_hex_mask(text):
    """The CPUs of a hex mask; None when ``text`` is None or not a mask."""
    if text is None:
        return None
    try:
        value = int(text.replace(',', '').strip() or '0', 16)
    except ValueError:
        return None
    return frozenset(i for i in range(value.bit_length()) if value >> i & 1)


def format_hex_mask(cpus):
    """The kernel's hex mask of ``cpus`` (``ff0``, ``1,00000010``)."""
    text = '%x' % sum(1 << cpu for cpu in cpus)
    words = []
    while len(text) > 8:
        words.insert(0, text[-8:])
        text = text[:-8]
    return ','.join([text] + words)
