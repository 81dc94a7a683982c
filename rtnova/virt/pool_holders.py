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

"""Who holds emulator-pool units on this compute host, per placement.

Placement refuses to lower an inventory below the allocations against it
(InventoryInUse), so a pool removed or shrunk while guests hold units would
fail every periodic inventory update. ``init_host`` asks here first and
refuses to start with one error naming the holders.
"""

from oslo_log import log as logging

from nova import context as nova_context
from nova import exception
from nova import objects
from nova.scheduler.client import report

from rtnova.hardware import request as request_mod

LOG = logging.getLogger(__name__)
POOL_RC = request_mod.POOL_RESOURCE


def _providers(ctx, host):
    try:
        return [node.uuid for node in
                objects.ComputeNodeList.get_all_by_host(ctx, host)]
    except exception.ComputeHostNotFound:
        # a new host: nothing was ever allocated here
        return []


def holders(host):
    """{consumer uuid: pool units} on ``host``'s providers, or None.

    Consumers are instances (or the migration records nova allocates
    against while a guest moves). None when placement cannot be asked; the
    caller then cannot check and says so.
    """
    ctx = nova_context.get_admin_context()
    found = {}
    try:
        client = report.report_client_singleton()
        for rp_uuid in _providers(ctx, host):
            info = client.get_allocations_for_resource_provider(ctx, rp_uuid)
            for consumer, alloc in info.allocations.items():
                units = alloc.get('resources', {}).get(POOL_RC, 0)
                if units:
                    found[consumer] = found.get(consumer, 0) + units
    except Exception as exc:
        # placement down at start: nova-compute itself retries; the pool
        # check cannot run, which the operator should know
        LOG.warning('Cannot read %s allocations from placement (%s); the '
                    'emulator pool size is not checked against them',
                    POOL_RC, exc)
        return None
    return found
