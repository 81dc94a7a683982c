"""The probe's domain, rendered with the compute driver's own code.

A fresh ``nova.virt.libvirt.config.LibvirtConfigGuest`` gets what nova's
driver gives every instance that matters here (memory, vCPUs, guest NUMA
cells, one I/O thread, a balloon and a USB controller for the latency
features to remove), a raw disk with the probe image and a serial port
logged to a file. Then ``rtnova.virt.guest_config.apply_plan`` renders
the tuning plan on it, exactly as ``RealtimeLibvirtDriver`` does.
"""

import uuid

from nova.virt.libvirt import config as vconfig

from rtnova.hardware import preview as preview_mod
from rtnova.virt import guest_config

MEMLOCK_DROPPED = (
    '<memoryBacking><locked/> dropped: this host cannot raise '
    'RLIMIT_MEMLOCK (no CAP_SYS_RESOURCE, e.g. a container), so libvirt '
    'could not start a guest with locked memory; guest RAM may be paged')


def _numa(request):
    numa = vconfig.LibvirtConfigGuestCPUNUMA()
    for index, cell in enumerate(request.topology.cells):
        guest_cell = vconfig.LibvirtConfigGuestCPUNUMACell()
        guest_cell.id = index
        guest_cell.cpus = set(cell.vcpus)
        guest_cell.memory = cell.memory_mb * 1024
        numa.cells.append(guest_cell)
    return numa


def _devices(disk_path, serial_path):
    disk = vconfig.LibvirtConfigGuestDisk()
    disk.source_type = 'file'
    disk.source_path = disk_path
    disk.driver_name = 'qemu'
    disk.driver_format = 'raw'
    disk.target_dev = 'vda'
    disk.target_bus = 'virtio'
    serial = vconfig.LibvirtConfigGuestSerial()
    serial.type = 'file'
    serial.source_path = serial_path
    balloon = vconfig.LibvirtConfigMemoryBalloon()
    balloon.model = 'virtio'
    usb = vconfig.LibvirtConfigGuestUSBHostController()
    usb.index = 0
    return [disk, serial, balloon, usb]


def build(name, memory_mb, preview, disk_path, serial_path, can_lock=True):
    """(LibvirtConfigGuest, notes) for a fitting ``preview``.

    ``notes`` name what was adapted because this host refuses it.
    """
    request = preview.request
    guest = vconfig.LibvirtConfigGuest()
    guest.virt_type = 'kvm'
    guest.name = name
    guest.uuid = str(uuid.uuid4())
    guest.memory = memory_mb * 1024
    guest.vcpus = request.vcpus
    guest.os_type = 'hvm'
    guest.os_boot_dev = ['hd']
    guest.iothreads = preview_mod.NOVA_IOTHREADS
    guest.features = [vconfig.LibvirtConfigGuestFeatureACPI(),
                      vconfig.LibvirtConfigGuestFeatureAPIC()]
    guest.cpu = vconfig.LibvirtConfigGuestCPU()
    guest.cpu.numa = _numa(request)
    for device in _devices(disk_path, serial_path):
        guest.add_device(device)
    guest_config.apply_plan(guest, preview.plan)
    notes = []
    if guest.membacking is not None and guest.membacking.locked and \
            not can_lock:
        guest.membacking.locked = False
        notes.append(MEMLOCK_DROPPED)
    return guest, notes
