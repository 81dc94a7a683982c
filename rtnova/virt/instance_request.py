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

"""nova objects in, :class:`rtnova.hardware.request.RealtimeRequest` out.

The thin adapter between nova (flavors, ``ImageMeta``, instances,
``[rtnova]``/``[libvirt]`` options) and the pure request model. Refusals
become ``nova.exception.InvalidInput``: raised from the driver's ``spawn``,
nova's compute manager turns it into a build abort, so the server goes to
ERROR with the message (key and fix) as its fault and is not rescheduled.
"""

from nova import exception
from nova import objects

# registers [libvirt] realtime_scheduler_priority, read below
import nova.conf  # noqa: F401
import rtnova.conf
from rtnova.conf import host_config
from rtnova.hardware import errors
from rtnova.hardware import host_config_rules as rules
from rtnova.hardware import request as request_mod

CONF = rtnova.conf.CONF

# typed nova image properties the request model reads
_IMAGE_FIELDS = ('hw_cpu_policy', 'hw_cpu_thread_policy',
                 'hw_cpu_realtime_mask', 'hw_mem_page_size',
                 'hw_numa_nodes', 'hw_locked_memory')


def priority_limits(conf=CONF):
    """The operator's :class:`request_mod.PriorityLimits`.

    The host rules decide the default (see
    ``host_config_rules.PrioritySettings.effective_default``).

    :raises errors.InvalidHostConfig: on an inconsistent range.
    """
    return rules.priority_limits(host_config.priority_settings(conf))


def image_properties(image_meta, system_metadata=None):
    """An image's properties in glance's flat form, for the core.

    nova's ``ImageMeta`` keeps only the properties nova knows, so rtnova's
    own (``hw_cpu_realtime_priority``, ...) are read from the instance's
    system metadata, where nova keeps every image property as
    ``image_<name>``.
    """
    if image_meta is None:
        image_meta = objects.ImageMeta.from_dict({})
    elif isinstance(image_meta, dict):
        image_meta = objects.ImageMeta.from_dict(image_meta)
    props = image_meta.properties
    result = {}
    for name in _IMAGE_FIELDS:
        value = props.get(name)
        if value is not None:
            result[name] = value
    for name in ('hw_numa_cpus', 'hw_numa_mem'):
        for cell, value in enumerate(props.get(name) or ()):
            result['%s.%d' % (name, cell)] = value
    for trait in props.get('traits_required') or ():
        result['trait:' + trait] = 'required'
    for name in request_mod.NEW_KEYS:
        value = (system_metadata or {}).get('image_hw_' + name)
        if value is not None:
            result['hw_' + name] = value
    return result


def request_from_flavor(flavor, image_meta, system_metadata=None,
                        limits=None):
    """The request of ``flavor`` booted from ``image_meta``.

    :param limits: the bounds to judge by (default: this process's
        ``[rtnova]`` options)
    :raises nova.exception.InvalidInput: naming the key and the fix.
    """
    try:
        return request_mod.build_request(
            flavor.vcpus, flavor.memory_mb, flavor.extra_specs,
            image_properties(image_meta, system_metadata),
            limits or priority_limits())
    except errors.RtnovaError as exc:
        raise exception.InvalidInput(reason=exc.message)


def request_from_instance(instance, image_meta, limits=None):
    """The request of an instance, with rtnova's image properties."""
    return request_from_flavor(instance.flavor, image_meta,
                               instance.system_metadata, limits)
