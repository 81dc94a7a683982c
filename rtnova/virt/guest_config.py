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

"""Apply a tuning plan (``rtnova.hardware.tuning``) to the guest nova built.

The compute driver's half of rendering: ``<cputune>``, ``<numatune>`` and
``<memoryBacking>`` come from :mod:`rtnova.domain_xml.writer` (the renderer
``rtnova-plan`` and ``rtnova-probe`` share), built on top of what nova's
``LibvirtDriver`` rendered; the latency features change nova's device and
feature objects in place.
"""

from nova.virt.libvirt import config as vconfig

from rtnova.domain_xml import writer


def _dom(config):
    return None if config is None else config.format_dom()


def _is_usb_device(dev):
    return (getattr(dev, 'bus', None) == 'usb' or
            getattr(dev, 'target_bus', None) == 'usb' or
            getattr(dev, 'root_name', None) == 'redirdev')


def apply_features(guest, features):
    """The latency features of libvirt's KVM real-time guide.

    * PMU off, unless the flavor/image asked for a PMU explicitly
      (``hw:pmu``: nova already added a ``<pmu>`` feature then);
    * no memory balloon (``<memballoon model='none'/>``);
    * no USB controller (``<controller type='usb' model='none'/>``); USB
      input devices go with it (the pointer falls back to PS/2). When other
      USB devices are attached (redirection, passthrough) the controller is
      kept.
    """
    if features is None:
        return
    if features.pmu_off and not any(
            isinstance(f, vconfig.LibvirtConfigGuestFeaturePMU)
            for f in guest.features):
        guest.add_feature(vconfig.LibvirtConfigGuestFeaturePMU(False))
    if features.no_memballoon:
        for dev in guest.devices:
            if isinstance(dev, vconfig.LibvirtConfigMemoryBalloon):
                dev.model = 'none'
                dev.period = None
    if features.no_usb:
        _disable_usb(guest)


def _disable_usb(guest):
    controllers = [d for d in guest.devices if isinstance(
        d, vconfig.LibvirtConfigGuestUSBHostController)]
    if not controllers:
        return
    others = [d for d in guest.devices
              if _is_usb_device(d) and
              not isinstance(d, vconfig.LibvirtConfigGuestInput)]
    if others:
        return
    guest.devices = [d for d in guest.devices if not (
        isinstance(d, vconfig.LibvirtConfigGuestInput) and d.bus == 'usb')]
    for controller in controllers:
        controller.model = 'none'


def apply_plan(guest, plan):
    """Render ``plan`` onto ``guest`` (a ``LibvirtConfigGuest``) in place."""
    guest.cputune = writer.cputune(plan, _dom(guest.cputune))
    if plan.memnodes:
        guest.numatune = writer.numatune(plan)
    guest.membacking = writer.memory_backing(plan,
                                             _dom(guest.membacking))
    apply_features(guest, plan.features)
    return guest
