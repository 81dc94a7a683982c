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

"""Latency-relevant guest features applied to real-time guests only.

Each switch follows a recommendation of libvirt's "KVM Real Time Guest
Config" guide (https://libvirt.org/kbase/kvm-realtime.html). Non-real-time
guests always keep nova's behaviour.
"""

from oslo_config import cfg

from rtnova.hardware import tuning

OPTS = [
    cfg.BoolOpt(
        'realtime_pmu_off',
        default=True,
        help="""
Disable the virtual PMU (``<pmu state='off'/>``) of real-time guests.

libvirt's KVM real-time guide recommends it: a guest PMU makes KVM save and
restore the performance counters on every VM exit/entry, adding latency to
each exit. A flavor or image that sets ``hw:pmu``/``hw_pmu`` explicitly
keeps its choice. Non-real-time guests keep nova's behaviour (``hw:pmu``).
"""),
    cfg.BoolOpt(
        'realtime_disable_memballoon',
        default=True,
        help="""
Give real-time guests no memory balloon (``<memballoon model='none'/>``).

libvirt's KVM real-time guide recommends it: the balloon's statistics
polling (``[libvirt] mem_stats_period_seconds``) interrupts the guest
periodically, and a real-time guest's memory is locked hugepages that
cannot be ballooned anyway.
"""),
    cfg.BoolOpt(
        'realtime_disable_usb',
        default=True,
        help="""
Give real-time guests no USB controller (``<controller type='usb'
model='none'/>``).

libvirt's KVM real-time guide recommends removing the USB controller QEMU
adds by default: an emulated USB host controller polls with timers that
cause VM exits. USB input devices go with it (the console pointer falls back
to PS/2). If other USB devices are attached (USB redirection or
passthrough) the controller is kept.
"""),
    cfg.BoolOpt(
        'realtime_lock_memory',
        default=True,
        help="""
Lock real-time guests' memory (``<memoryBacking><locked/>``), as nova does.

Leave it on for production: locked memory is never paged out, so a guest's
RAM access never waits for the disk. Turn it off only on hosts where
libvirt cannot raise QEMU's ``RLIMIT_MEMLOCK`` (libvirtd without
``CAP_SYS_RESOURCE``, e.g. in a container): there every real-time guest
otherwise fails to start with "cannot limit locked memory". A flavor or
image that asks for ``hw:locked_memory`` explicitly still gets it.
"""),
]


def latency_features(conf):
    """The operator's ``[rtnova] realtime_*`` switches as plain data."""
    return tuning.LatencyFeatures(
        pmu_off=conf.rtnova.realtime_pmu_off,
        no_memballoon=conf.rtnova.realtime_disable_memballoon,
        no_usb=conf.rtnova.realtime_disable_usb,
        lock_memory=conf.rtnova.realtime_lock_memory)
