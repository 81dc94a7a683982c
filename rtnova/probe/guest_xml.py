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

"""The probe's domain XML, with the compute driver's tuning elements.

``<cputune>``, ``<numatune>``, ``<memoryBacking>`` and the latency
features' elements (``<pmu>``, ``<memballoon>``, the USB controller) come
from ``rtnova.domain_xml.writer``, the writer the compute driver puts into
nova's guest and ``rtnova-plan`` prints. The rest is what the probe needs:
memory, vCPUs, the guest NUMA cells ``<numatune>`` refers to, nova's one I/O
thread, a raw disk with the probe image and a serial port logged to a file.
Built with lxml: importing nova's libvirt config module would import nova's
whole libvirt driver (and eventlet) into the command.
"""

import uuid

from lxml import etree

from rtnova.domain_xml import writer
from rtnova.hardware import cpuset
from rtnova.hardware import preview as preview_mod

MEMLOCK_DROPPED = (
    '<memoryBacking><locked/> dropped: this host cannot raise '
    'RLIMIT_MEMLOCK (no CAP_SYS_RESOURCE, e.g. a container), so libvirt '
    'could not start a guest with locked memory; guest RAM may be paged')


def _sub(parent, tag, text=None, **attrs):
    node = etree.SubElement(parent, tag, **attrs)
    if text is not None:
        node.text = str(text)
    return node


def _features(root, features):
    node = _sub(root, 'features')
    _sub(node, 'acpi')
    _sub(node, 'apic')
    if features is not None and features.pmu_off:
        node.append(writer.pmu_off())


def _numa(root, request):
    numa = _sub(_sub(root, 'cpu'), 'numa')
    for index, cell in enumerate(request.topology.cells):
        _sub(numa, 'cell', id=str(index),
             cpus=cpuset.format_cpu_spec(cell.vcpus),
             memory=str(cell.memory_mb * 1024), unit='KiB')


def _devices(root, disk_path, serial_path, features):
    devices = _sub(root, 'devices')
    disk = _sub(devices, 'disk', type='file', device='disk')
    _sub(disk, 'driver', name='qemu', type='raw')
    _sub(disk, 'source', file=disk_path)
    _sub(disk, 'target', dev='vda', bus='virtio')
    serial = _sub(devices, 'serial', type='file')
    _sub(serial, 'source', path=serial_path)
    _sub(serial, 'target', port='0')
    usb = writer.usb_controller(features)
    if usb is not None:
        devices.append(usb)
    devices.append(writer.memballoon(features))


def _tuning(root, plan, can_lock, notes):
    root.append(writer.cputune(plan).root)
    if plan.memnodes:
        root.append(writer.numatune(plan).root)
    backing = writer.memory_backing(plan)
    if backing is None:
        return
    locked = backing.root.find('locked')
    if locked is not None and not can_lock:
        backing.root.remove(locked)
        notes.append(MEMLOCK_DROPPED)
    if len(backing.root):
        root.append(backing.root)


def build(name, memory_mb, preview, disk_path, serial_path, can_lock=True):
    """(domain XML text, notes) for a fitting ``preview``.

    ``notes`` name what was adapted because this host refuses it.
    """
    request, plan = preview.request, preview.plan
    root = etree.Element('domain', type='kvm')
    _sub(root, 'name', name)
    _sub(root, 'uuid', uuid.uuid4())
    _sub(root, 'memory', memory_mb * 1024, unit='KiB')
    _sub(root, 'vcpu', request.vcpus)
    _sub(root, 'iothreads', preview_mod.NOVA_IOTHREADS)
    notes = []
    _tuning(root, plan, can_lock, notes)
    os_node = _sub(root, 'os')
    _sub(os_node, 'type', 'hvm')
    _sub(os_node, 'boot', dev='hd')
    _features(root, plan.features)
    _numa(root, request)
    _sub(root, 'on_poweroff', 'destroy')
    _devices(root, disk_path, serial_path, plan.features)
    return etree.tostring(root, pretty_print=True,
                          encoding='unicode'), notes
