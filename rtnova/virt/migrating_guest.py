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

"""A live-migrating real-time guest whose destination XML keeps its policies.

nova's source rewrites the guest XML for the destination and writes every
``<vcpusched>`` as ``scheduler='fifo'``; :class:`RealtimeMigratingGuest`
wraps the source's ``Guest`` for the one call that carries that XML to
libvirt (``migrate``) and puts the guest's own policies back with
:func:`rtnova.domain_xml.writer.keep_realtime_scheduling`; everything else
is nova's.
"""

from rtnova.domain_xml import writer


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
            kwargs['destination_xml'] = writer.keep_realtime_scheduling(
                xml, self._request)
        return self._guest.migrate(destination, *args, **kwargs)
