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

"""Which guest CPU mode this host's QEMU accepts, found by trying it.

nova gives every KVM guest on x86 ``<cpu mode='host-model'
check='partial'>`` unless ``[libvirt] cpu_mode`` says otherwise. Some hosts
refuse it at start: under a paravirtual KVM (``kvm_pvm``) libvirt's
host-model includes ``arch-capabilities`` and QEMU dies with "failed to set
MSR 0x10a" (IA32_ARCH_CAPABILITIES). Nothing here knows that by vendor or
model name: the tier starts a throwaway domain with each candidate, in the
order below, and runs nova with the first one QEMU starts.

The candidates, most faithful to a production host first:

1. nova's default (``host-model``): nothing is changed;
2. ``cpu_mode = host-passthrough``: every host feature, no libvirt model;
3. ``cpu_mode = none``: nova writes ``<cpu>`` with only the topology and
   NUMA cells, and QEMU uses its own default model (what rtnova-probe's
   own domain, which has no ``<cpu>``, boots with).

None of them changes what rtnova writes (``<cputune>``, ``<numatune>``,
``<memoryBacking>``); the choice and every refusal are written to the
test's output.
"""

import collections
import threading

import libvirt

# (name, nova.conf [libvirt] options, the <cpu> element nova writes for
# them, as far as QEMU's start-up cares)
CANDIDATES = (
    ('host-model (nova default)', {},
     "<cpu mode='host-model' check='partial'>%s</cpu>"),
    ('host-passthrough', {'cpu_mode': 'host-passthrough'},
     "<cpu mode='host-passthrough' check='none'>%s</cpu>"),
    ('none (QEMU default model)', {'cpu_mode': 'none'},
     '<cpu>%s</cpu>'),
)
# the NUMA cell nova writes for a pinned guest, so the throwaway domain
# starts the way nova's guests do
_NUMA = "<numa><cell id='0' cpus='0' memory='%d' unit='MiB'/></numa>"

Choice = collections.namedtuple('Choice', 'name libvirt_flags refusals')


class NoCpuModeAccepted(Exception):
    """QEMU refused every candidate: the tier cannot boot a nova guest."""


def choose(try_start):
    """The first candidate ``try_start(cpu_xml_template)`` accepts.

    ``try_start`` starts a throwaway domain with that ``<cpu>`` element
    (``%s`` is where nova's NUMA cell goes) and returns None, or the error
    text when QEMU or libvirt refused it. Returns a :class:`Choice` whose
    ``refusals`` lists (candidate, error) of those tried before it.
    """
    refusals = []
    for name, flags, cpu_xml in CANDIDATES:
        error = try_start(cpu_xml)
        if error is None:
            return Choice(name, dict(flags), refusals)
        refusals.append((name, _first_line(error)))
    raise NoCpuModeAccepted(
        'QEMU refused every guest CPU mode nova can be given: ' + '; '.join(
            '%s: %s' % refusal for refusal in refusals))


def describe(choice):
    """One paragraph for the test's output and the tier's log."""
    if not choice.refusals:
        return 'guest CPU: nova\'s default host-model (QEMU accepted it)'
    tried = '; '.join('%s refused (%s)' % r for r in choice.refusals)
    return ('HOST ADAPTATION guest CPU: %s; nova runs with [libvirt] %s' % (
        tried, ', '.join('%s = %s' % kv for kv in sorted(
            choice.libvirt_flags.items()))))


def _first_line(error):
    # QEMU's refusal is a few lines (monitor closed, the MSR, an
    # assertion); the first two say what happened
    lines = [ln.strip() for ln in str(error).splitlines() if ln.strip()]
    return ' / '.join(lines[:2])


_cache = {}
_cache_lock = threading.Lock()


def choose_on(conn, domain_xml_for, key):
    """:func:`choose` with throwaway domains on ``conn``, once per ``key``.

    ``domain_xml_for(cpu_element)`` returns a startable domain XML with that
    ``<cpu>`` element; ``key`` names the QEMU binary and host (the answer
    does not change while the tests run).
    """
    with _cache_lock:
        if key not in _cache:
            _cache[key] = choose(
                lambda cpu: _try_start(conn, domain_xml_for, cpu))
        return _cache[key]


def _try_start(conn, domain_xml_for, cpu_xml):
    memory_mib = 64
    xml = domain_xml_for(cpu_xml % (_NUMA % memory_mib))
    try:
        dom = conn.createXML(xml, 0)
    except libvirt.libvirtError as exc:
        return str(exc)
    try:
        dom.destroy()
    except libvirt.libvirtError:
        pass
    return None
