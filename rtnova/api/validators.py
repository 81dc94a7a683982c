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

"""Extra spec validators for rtnova's keys (nova.api.extra_spec_validators).

nova validates the whole ``hw:`` namespace from microversion 2.86 on: a key
without a validator is refused, so every key rtnova adds is declared here,
and a malformed value gets HTTP 400 when the flavor is edited. Values are
checked against what the kernel accepts (priorities 1-99); the operator's
narrower ``[rtnova]`` bounds are applied when the guest boots, on the
compute node that enforces them.

``resources:CUSTOM_RT_EMULATOR_POOL`` needs no validator here: nova's
``resources{group}:CUSTOM_{resource}`` validator already requires an
integer.
"""

from nova.api.validation.extra_specs import base

# fifo:1 .. fifo:99, rr:1 .. rr:99, or other
_SCHED_PATTERN = r'(fifo|rr):([1-9]|[1-9][0-9])|other'
_LIBVIRT_ONLY = 'Only supported by the rtnova libvirt driver.'


def _sched_validator(name, threads):
    return base.ExtraSpecValidator(
        name=name,
        description=(
            'The Linux scheduling of the guest\'s %s threads, applied by '
            'libvirt. ``fifo:N`` or ``rr:N`` runs them with SCHED_FIFO or '
            'SCHED_RR priority N (bounded at boot by ``[rtnova] '
            'min_realtime_priority``/``max_realtime_priority``); ``other`` '
            '(the default) leaves them at SCHED_OTHER. Requires '
            '``hw:cpu_realtime=yes``. Give them a priority only when they '
            'run on CPUs of their own (the emulator pool, '
            '``resources:CUSTOM_RT_EMULATOR_POOL=1``): a real-time thread '
            'that spins can starve whatever shares its CPU. %s'
            % (threads, _LIBVIRT_ONLY)),
        value={
            'type': str,
            'description': '``fifo:N``, ``rr:N`` (N = 1-99) or ``other``.',
            'pattern': _SCHED_PATTERN,
        },
    )


VALIDATORS = [
    base.ExtraSpecValidator(
        name='hw:cpu_realtime_policy',
        description=(
            'The Linux real-time scheduling policy of the real-time vCPUs '
            '(those not excluded by ``hw:cpu_realtime_mask``). ``fifo`` '
            '(SCHED_FIFO) runs a vCPU until it blocks; ``rr`` (SCHED_RR) '
            'time-slices vCPUs of equal priority on one CPU. Defaults to '
            '``[rtnova] default_realtime_policy`` (fifo). Requires '
            '``hw:cpu_realtime=yes``. ' + _LIBVIRT_ONLY),
        value={
            'type': str,
            'description': 'The real-time scheduling policy.',
            'enum': ['fifo', 'rr'],
        },
    ),
    base.ExtraSpecValidator(
        name='hw:cpu_realtime_priority',
        description=(
            'The SCHED_FIFO/SCHED_RR priority of the real-time vCPUs. '
            'Defaults to ``[rtnova] default_realtime_priority`` (10: above '
            'the host and guest kernel threads that run at FIFO 1, below '
            'the threaded interrupt handlers at FIFO 50). The boot fails if '
            'it is outside ``[rtnova] min_realtime_priority`` - '
            '``max_realtime_priority`` (default 1-49). Requires '
            '``hw:cpu_realtime=yes``. ' + _LIBVIRT_ONLY),
        value={
            'type': int,
            'description': 'The real-time priority, 1-99.',
            'min': 1,
            'max': 99,
        },
    ),
    _sched_validator('hw:emulator_threads_sched', 'emulator'),
    _sched_validator('hw:iothreads_sched', 'I/O'),
    base.ExtraSpecValidator(
        name='hw:pci_irq_affinity_mask',
        description=(
            'The vCPUs whose host CPUs take the interrupts of the PCI '
            'devices passed through to the guest (StarlingX\'s key of the '
            'same name): after boot and migration the compute node points '
            'the devices\' MSI interrupts at those vCPUs\' pinned CPUs, '
            'and back at the host\'s default affinity on delete. nova\'s '
            'CPU-spec syntax; a leading ``^`` excludes vCPUs from all of '
            'them, as in ``hw:cpu_realtime_mask``. Needs '
            '``hw:cpu_policy=dedicated`` (or pinned vCPUs of a mixed '
            'guest) and vCPUs the flavor has: checked when the guest boots. '
            + _LIBVIRT_ONLY),
        value={
            'type': str,
            'description': 'A vCPU list, e.g. ``0``, ``0-1`` or ``^0``.',
            # nova's hw:cpu_realtime_mask pattern
            'pattern': r'\^?\d+((-\d+)?(,\^?\d+(-\d+)?)?)*',
        },
    ),
]


def register():
    return VALIDATORS
