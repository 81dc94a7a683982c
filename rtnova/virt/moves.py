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

"""A real-time guest moving between hosts: what each end checks.

The guest's request is rebuilt from its flavor, image and system metadata
(where nova keeps rtnova's image keys) under the *checking* host's
``[rtnova]`` bounds. A destination that would refuse the guest at spawn
refuses the move before anything is changed, naming the key and the fix.
"""

from oslo_log import log as logging

from nova import exception
from nova import objects

from rtnova.hardware import request as request_mod
from rtnova.virt import instance_request as requests

LOG = logging.getLogger(__name__)


def refusal(instance, exc):
    """The message of a destination refusing ``instance``."""
    return ('this host cannot run real-time guest %s: %s' % (
        instance.uuid, exc.kwargs.get('reason', exc)))


def check_destination_bounds(instance, limits, flavor=None):
    """Refuse a guest this host's ``[rtnova]`` bounds would refuse.

    :param limits: this host's ``PriorityLimits``
    :param flavor: the flavor it will have here (a resize), else its own
    :raises nova.exception.MigrationPreCheckError: naming the key and fix
    """
    try:
        requests.request_from_flavor(flavor or instance.flavor,
                                     instance.image_meta,
                                     instance.system_metadata, limits)
    except exception.InvalidInput as exc:
        raise exception.MigrationPreCheckError(
            reason=refusal(instance, exc))


def source_request(instance, limits):
    """The guest's request as the source sees it, or None.

    None (and a warning) when the source's own bounds changed under the
    guest since it started: the move then keeps nova's XML rewrite.
    """
    try:
        return requests.request_from_instance(instance, instance.image_meta,
                                              limits)
    except exception.InvalidInput as exc:
        LOG.warning('Cannot rebuild the real-time request of the migrating '
                    'guest: %s', exc, instance=instance)
        return None


# compute node stats carrying a host's bounds to the other end of a move
STAT_KEYS = ('rtnova_default_policy', 'rtnova_default_priority',
             'rtnova_min_priority', 'rtnova_max_priority')


def limits_stats(limits):
    """A host's ``PriorityLimits`` as compute node stats (strings)."""
    if limits is None:
        return {}
    return dict(zip(STAT_KEYS, (
        limits.default_policy, str(limits.default_priority),
        str(limits.min_priority), str(limits.max_priority))))


def limits_from_stats(stats):
    """The ``PriorityLimits`` a host published, or None (not rtnova)."""
    if not stats or any(key not in stats for key in STAT_KEYS):
        return None
    policy, default, low, high = (stats[key] for key in STAT_KEYS)
    return request_mod.PriorityLimits(
        default_policy=policy, default_priority=int(default),
        min_priority=int(low), max_priority=int(high))


def destination_limits(context, instance):
    """The bounds the destination of the instance's move published.

    Read from the destination's compute node record (its stats), through
    the migration nova recorded in ``instance.migration_context``. None when
    there is no migration or the destination does not run rtnova.
    """
    mig_context = instance.migration_context
    if mig_context is None:
        return None
    try:
        migration = objects.Migration.get_by_id(context,
                                                mig_context.migration_id)
        node = objects.ComputeNode.get_by_host_and_nodename(
            context, migration.dest_compute, migration.dest_node)
    except exception.NotFound as exc:
        # the destination's own spawn-time check still applies
        LOG.warning('Cannot read the destination\'s real-time bounds (%s); '
                    'not checking them before the disk moves', exc,
                    instance=instance)
        return None
    return limits_from_stats(node.stats)


def check_resize_destination(context, instance, flavor):
    """Refuse a resize/cold migration the destination's bounds refuse.

    Runs on the source before the guest is powered off or a disk moves.

    :raises nova.exception.InstanceFaultRollback: around the
        ``MigrationPreCheckError`` naming the key; nova puts the instance
        back to its state and records the fault.
    """
    limits = destination_limits(context, instance)
    if limits is None:
        return
    try:
        check_destination_bounds(instance, limits, flavor)
    except exception.MigrationPreCheckError as exc:
        raise exception.InstanceFaultRollback(inner_exception=exc)
