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

The one renderer of ``<cputune>``, ``<numatune>`` and ``<memoryBacking>``
for rtnova: the compute driver puts its elements into the guest nova's
``LibvirtDriver`` built (nova's ``LibvirtConfigGuest`` only calls
``format_dom()`` on what sits in its ``cputune``/``numatune``/``membacking``
slots), and ``rtnova-plan``/``rtnova-probe`` print or boot the same
elements. Keeping nova out of this module keeps nova's libvirt driver (and
the oslo.privsep/eventlet start-up it drags in) out of the commands.
"""

import copy

from lxml import etree

from rtnova.hardware import cpuset

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


def _sched(parent, tag, sched, **attrs):
    node = etree.SubElement(parent, tag, **attrs)
    node.set('scheduler', sched.policy)
    if sched.priority is not None:
        node.set('priority', str(sched.priority))


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
