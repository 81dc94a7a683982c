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
from rtnova.hardware import errors
from rtnova.hardware import request as request_mod

CONF = rtnova.conf.CONF
# nova's [libvirt] realtime_scheduler_priority default
NOVA_DEFAULT_PRIORITY = 1
# rtnova's default when neither rtnova nor nova's option says otherwise:
# above the SCHED_FIFO 1 kernel threads, below the threaded IRQ handlers
DEFAULT_PRIORITY = 10

# typed nova image properties the request model reads
_IMAGE_FIELDS = ('hw_cpu_policy', 'hw_cpu_thread_policy',
                 'hw_cpu_realtime_mask', 'hw_mem_page_size',
                 'hw_numa_nodes', 'hw_locked_memory')


def priority_limits(conf=CONF):
    """The operator's :class:`request_mod.PriorityLimits`.

    ``[rtnova] default_realtime_priority`` if set; else nova's
    ``[libvirt] realtime_scheduler_priority`` if the operator changed it
    from nova's 1 (an existing nova.conf keeps its meaning); else 10.

    :raises errors.InvalidHostConfig: on an inconsistent range.
    """
    opts = conf.rtnova
    default = opts.default_realtime_priority
    option = '[rtnova] default_realtime_priority'
    if default is None:
        nova_value = conf.libvirt.realtime_scheduler_priority
        if nova_value != NOVA_DEFAULT_PRIORITY:
            default = nova_value
            option = '[libvirt] realtime_scheduler_priority'
        else:
            default = DEFAULT_PRIORITY
    try:
        return request_mod.PriorityLimits(
            default_policy=opts.default_realtime_policy,
            default_priority=default,
            min_priority=opts.min_realtime_priority,
            max_priority=opts.max_realtime_priority)
    except errors.InvalidHostConfig as exc:
        if exc.option == '[rtnova] default_realtime_priority':
            raise errors.InvalidHostConfig(option, exc.problem, exc.fix)
        raise


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


def request_from_flavor(flavor, image_meta, system_metadata=None):
    """The request of ``flavor`` booted from ``image_meta``.

    :raises nova.exception.InvalidInput: naming the key and the fix.
    """
    try:
        return request_mod.build_request(
            flavor.vcpus, flavor.memory_mb, flavor.extra_specs,
            image_properties(image_meta, system_metadata),
            priority_limits())
    except errors.RtnovaError as exc:
        raise exception.InvalidInput(reason=exc.message)


def request_from_instance(instance, image_meta):
    """The request of an instance, with rtnova's image properties."""
    return request_from_flavor(instance.flavor, image_meta,
                               instance.system_metadata)
