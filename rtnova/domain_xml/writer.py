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

"""A tuning plan as libvirt domain XML elements (lxml only, no nova import).

The one writer of ``<cputune>``, ``<numatune>``, ``<memoryBacking>``, the
scheduler elements and the latency features' elements for rtnova: the
compute driver puts its elements into the guest nova's ``LibvirtDriver``
built (nova's ``LibvirtConfigGuest`` only calls ``format_dom()`` on what
sits in its ``cputune``/``numatune``/``membacking`` slots), the driver's
live-migration wrapper rewrites nova's destination XML with
:func:`keep_realtime_scheduling`, and ``rtnova-plan``/``rtnova-probe`` print
or boot the same elements. Keeping nova out of this module keeps nova's
libvirt driver (and the oslo.privsep/eventlet start-up it drags in) out of
the commands. The reading side is :mod:`rtnova.domain_xml.reader`.
"""

import copy

from lxml import etree

from rtnova.hardware import cpuset
from rtnova.hardware import tuning

# <cputune> children the plan owns; others (shares, period, quota from
# nova's quota:cpu_* extra specs) are kept
_PLAN_CPUTUNE = ('vcpupin', 'emulatorpin', 'iothreadpin', 'vcpusched',
                 'emulatorsched', 'iothreadsched')
_PLAN_BACKING = ('hugepages', 'nosharepages', 'locked')


class Element(object):
    """A rendered element, usable where nova expects a config object."""

    def __init__(self, root):
        self.root = root

    def format_dom(self):
        # nova appends the returned element to its own tree, which would
        # move ours out of self.root: hand out a copy every time
        return copy.deepcopy(self.root)

    def to_xml(self):
        return etree.tostring(self.root, pretty_print=True,
                              encoding='unicode')


def _cpus(cpus):
    return cpuset.format_cpu_spec(cpus)


def set_sched(node, sched):
    """Make a scheduler element say ``sched`` (a policy and a priority).

    The one writer of libvirt's ``scheduler``/``priority`` attributes
    (``<vcpusched>``, ``<emulatorsched>``, ``<iothreadsched>``); a priority
    of None leaves the attribute out, as libvirt wants for ``other``.
    """
    node.set('scheduler', sched.policy)
    if sched.priority is None:
        node.attrib.pop('priority', None)
    else:
        node.set('priority', str(sched.priority))
    return node


def _sched(parent, tag, sched, **attrs):
    return set_sched(etree.SubElement(parent, tag, **attrs), sched)


def _replace_sched(cputune, tag, sched, **attrs):
    """Make ``<tag>`` say ``sched`` (None: no such element)."""
    for node in cputune.findall(tag):
        cputune.remove(node)
    if sched is not None:
        _sched(cputune, tag, sched, **attrs)


def cputune(plan, base=None):
    """``<cputune>`` carrying the plan's pinning and scheduling.

    :param base: the ``<cputune>`` element nova rendered, or None; its
        children that the plan does not own are kept.
    """
    root = etree.Element('cputune') if base is None else copy.deepcopy(base)
    for child in list(root):
        if child.tag in _PLAN_CPUTUNE:
            root.remove(child)
    if plan.emulatorpin:
        etree.SubElement(root, 'emulatorpin', cpuset=_cpus(plan.emulatorpin))
    for iothread, cpus in plan.iothreadpin:
        if cpus:
            etree.SubElement(root, 'iothreadpin', iothread=str(iothread),
                             cpuset=_cpus(cpus))
    for vcpu, cpus in plan.vcpupin:
        etree.SubElement(root, 'vcpupin', vcpu=str(vcpu), cpuset=_cpus(cpus))
    for entry in plan.vcpusched:
        _sched(root, 'vcpusched', entry, vcpus=_cpus(entry.vcpus))
    if plan.emulatorsched is not None:
        _sched(root, 'emulatorsched', plan.emulatorsched)
    iothreads = [i for i, _cpus in plan.iothreadpin]
    if plan.iothreadsched is not None and iothreads:
        _sched(root, 'iothreadsched', plan.iothreadsched,
               iothreads=_cpus(iothreads))
    return Element(root)


def numatune(plan):
    """``<numatune>``: each guest cell bound strictly to its host cell."""
    root = etree.Element('numatune')
    etree.SubElement(root, 'memory', mode='strict',
                     nodeset=_cpus(plan.memory_nodeset))
    for guest_cell, host_cell in plan.memnodes:
        etree.SubElement(root, 'memnode', cellid=str(guest_cell),
                         mode='strict', nodeset=str(host_cell))
    return Element(root)


def memory_backing(plan, base=None):
    """``<memoryBacking>`` with the plan's pages, nosharepages and locked.

    :param base: the ``<memoryBacking>`` element nova rendered, or None;
        what nova set for other reasons (file-backed memory, discard) is
        kept after the plan's children.
    :returns: an :class:`Element`, or None when there is nothing to back.
    """
    if not (plan.hugepages or plan.locked or plan.nosharepages):
        return None if base is None else Element(base)
    root = etree.Element('memoryBacking')
    kept = [] if base is None else [
        copy.deepcopy(c) for c in base if c.tag not in _PLAN_BACKING]
    if plan.hugepages:
        pages = etree.SubElement(root, 'hugepages')
        for hugepage in plan.hugepages:
            etree.SubElement(pages, 'page', size=str(hugepage.size_kb),
                             nodeset=_cpus(hugepage.guest_cells), unit='KiB')
    if plan.nosharepages:
        etree.SubElement(root, 'nosharepages')
    if plan.locked:
        etree.SubElement(root, 'locked')
    root.extend(kept)
    return Element(root)


def pmu_off():
    """``<pmu state='off'/>`` (inside ``<features>``)."""
    return etree.Element('pmu', state='off')


# The latency features as elements of a domain rtnova builds itself (the
# probe). On a guest nova built, virt/guest_config sets the same on nova's
# device objects.

def memballoon(features):
    """``<memballoon>``: model ``none`` when the features drop it."""
    off = features is not None and features.no_memballoon
    return etree.Element('memballoon', model='none' if off else 'virtio')


def usb_controller(features):
    """``<controller type='usb' model='none'/>``, or None to keep QEMU's."""
    if features is None or not features.no_usb:
        return None
    return etree.Element('controller', type='usb', index='0', model='none')


def keep_realtime_scheduling(xml, request):
    """``xml`` with ``request``'s scheduler policies (text in, text out).

    nova's source rewrites the guest XML for a live migration's destination
    (``nova.virt.libvirt.migration.get_updated_guest_xml``) with the pins
    and priority the destination sent, but writes every ``<vcpusched>`` as
    ``scheduler='fifo'`` and knows nothing of ``<emulatorsched>`` /
    ``<iothreadsched>``. Only the policy of the ``<vcpusched>`` elements is
    changed here: which vCPUs and at which priority are the destination's
    (it applied its own bounds). The emulator and I/O thread settings are
    the request's.
    """
    doc = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    cputune = doc.find('./cputune')
    if cputune is None or not request.realtime:
        return xml
    for node in cputune.findall('vcpusched'):
        priority = node.get('priority')
        set_sched(node, tuning.ThreadSched(
            request.rt_policy, None if priority is None else int(priority)))
    _replace_sched(cputune, 'emulatorsched',
                   tuning.thread_sched(request.emulator_sched))
    iothreads = [int(p.get('iothread')) for p in
                 cputune.findall('iothreadpin')]
    if iothreads:
        _replace_sched(cputune, 'iothreadsched',
                       tuning.thread_sched(request.iothread_sched),
                       iothreads=_cpus(iothreads))
    return etree.tostring(doc, encoding='unicode')


def fragment(plan):
    """The plan's elements as the text ``rtnova-plan`` prints."""
    parts = [cputune(plan).to_xml()]
    if plan.memnodes:
        parts.append(numatune(plan).to_xml())
    backing = memory_backing(plan)
    if backing is not None:
        parts.append(backing.to_xml())
    if plan.features is not None and plan.features.pmu_off:
        features = etree.Element('features')
        features.append(pmu_off())
        parts.append(etree.tostring(features, pretty_print=True,
                                    encoding='unicode'))
    return ''.join(parts)
