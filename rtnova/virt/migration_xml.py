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

"""The real-time scheduling of a live-migrating guest's destination XML.

nova's source rewrites the guest XML for the destination
(``nova.virt.libvirt.migration.get_updated_guest_xml``) with the pins and
priority the destination sent, but writes every ``<vcpusched>`` as
``scheduler='fifo'`` and knows nothing of ``<emulatorsched>`` /
``<iothreadsched>``. :class:`RealtimeMigratingGuest` wraps the source's
``Guest`` for the one call that carries that XML to libvirt (``migrate``)
and puts the guest's own policies back; everything else is nova's.
"""

from lxml import etree

from nova.virt import hardware


def _set_sched(node, policy, priority):
    node.set('scheduler', policy)
    if priority is None:
        node.attrib.pop('priority', None)
    else:
        node.set('priority', str(priority))


def _thread_sched(cputune, tag, value, **attrs):
    """Make ``<tag>`` say ``value`` ((policy, priority) or None: absent)."""
    for node in cputune.findall(tag):
        cputune.remove(node)
    if value is not None:
        node = etree.SubElement(cputune, tag, **attrs)
        _set_sched(node, *value)


def keep_realtime_scheduling(xml, request):
    """``xml`` with ``request``'s scheduler policies (text in, text out).

    Only the policy of the ``<vcpusched>`` elements is changed: which vCPUs
    and at which priority are the destination's (it applied its own
    bounds). The emulator and I/O thread settings are the request's.
    """
    doc = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    cputune = doc.find('./cputune')
    if cputune is None or not request.realtime:
        return xml
    for node in cputune.findall('vcpusched'):
        node.set('scheduler', request.rt_policy)
    _thread_sched(cputune, 'emulatorsched', request.emulator_sched)
    iothreads = [int(p.get('iothread')) for p in
                 cputune.findall('iothreadpin')]
    if iothreads:
        _thread_sched(cputune, 'iothreadsched', request.iothread_sched,
                      iothreads=hardware.format_cpu_spec(iothreads))
    return etree.tostring(doc, encoding='unicode')


class RealtimeMigratingGuest(object):
    """nova's ``Guest`` whose ``migrate`` keeps the real-time policies.

    Composition, not a patch of nova's module: the driver hands this
    wrapper to nova's ``_live_migration_operation`` instead of the guest.
    """

    def __init__(self, guest, request):
        self._guest = guest
        self._request = request

    def __getattr__(self, name):
        return getattr(self._guest, name)

    def migrate(self, destination, *args, **kwargs):
        xml = kwargs.get('destination_xml')
        if xml:
            kwargs['destination_xml'] = keep_realtime_scheduling(
                xml, self._request)
        return self._guest.migrate(destination, *args, **kwargs)
