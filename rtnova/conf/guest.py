"""Latency-relevant guest features applied to real-time guests only."""

from oslo_config import cfg

OPTS = [
    cfg.BoolOpt(
        'realtime_pmu_off',
        default=True,
        help="""
Disable the virtual PMU (``<pmu state='off'/>``) of real-time guests.

libvirt's KVM real-time guide recommends it: a guest PMU makes KVM save and
restore the performance counters on every VM exit/entry, adding latency to
each exit. Non-real-time guests keep nova's behaviour (``hw:pmu``).
"""),
]
