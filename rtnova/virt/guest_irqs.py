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

"""Which guests' PCI interrupts this compute steered, and steering them.

``hw:pci_irq_affinity_mask`` names vCPUs; after each of the driver's guest
start paths (:class:`rtnova.virt.driver.RealtimeLibvirtDriver`) the driver
calls :meth:`GuestIRQs.steer`, which points the MSI interrupts of the
guest's PCI devices at the pCPUs of those vCPUs; on cleanup (destroy, hard
reboot, the source of a migration) :meth:`GuestIRQs.release` hands them
back to the host default. The driver's periodic resource update calls
:meth:`GuestIRQs.audit`, because vfio-pci requests a device's MSI
interrupts only when the guest's driver enables them.

When nova-compute starts, the guests already running here are steered
again (:meth:`GuestIRQs.resteer_host`). Guests without the key, or without
PCI devices, are left exactly as nova leaves them. Steering never fails an
operation: what cannot be written is logged.
"""

from oslo_log import log as logging

from nova import context as nova_context
from nova import objects

from rtnova.hardware import errors
from rtnova.hardware import pci_irq
from rtnova.virt import irq_steering

LOG = logging.getLogger(__name__)


def irq_target(instance):
    """(PCI addresses, pCPUs) to steer for ``instance``, or None."""
    extra = instance.flavor.extra_specs or {}
    if pci_irq.KEY not in extra:
        return None
    addresses = tuple(sorted(d.address for d in instance.get_pci_devices()))
    if not addresses:
        return None
    pinning = {}
    for cell in (instance.numa_topology.cells
                 if instance.numa_topology else ()):
        pinning.update(cell.cpu_pinning or {})
    vcpus = pci_irq.irq_vcpus(extra, instance.flavor.vcpus,
                              frozenset(pinning))
    return addresses, pci_irq.irq_pcpus(vcpus, pinning)


class GuestIRQs(object):
    """The guests steered by one compute driver.

    :param access: a callable giving the driver's host access
        (``rtnova.privsep.access``: privsep in nova-compute, a fake tree in
        tests), which writes the interrupts' affinities.
    :param running_uuids: a callable giving the uuids of the guests defined
        on this host (the driver's ``list_instance_uuids``).
    """

    def __init__(self, access, running_uuids):
        self._access = access
        self._running_uuids = running_uuids
        # {instance uuid: (addresses, pCPUs)} of the guests steered here
        self.steered = {}

    def _steering(self):
        return irq_steering.IRQSteering(access=self._access())

    def steer(self, instance):
        try:
            target = irq_target(instance)
        except errors.InvalidRequest as exc:
            LOG.warning('Not steering PCI interrupts: %s', exc,
                        instance=instance)
            return None
        if target is None:
            return None
        self.steered[instance.uuid] = target
        return self._steering().steer(*target)

    def release(self, instance):
        # only what this process steered: after a migration the instance's
        # PCI devices are the destination's, not this host's
        target = self.steered.pop(instance.uuid, None)
        if target is not None:
            self._steering().release(target[0])

    def audit(self):
        """Re-apply steering to the guests still defined on this host."""
        if not self.steered:
            return
        present = set(self._running_uuids())
        steering = self._steering()
        for uuid, (addresses, cpus) in list(self.steered.items()):
            if uuid in present:
                steering.steer(addresses, cpus)
            else:
                self.steered.pop(uuid, None)

    def resteer_host(self, host):
        """Steer again the guests already running on ``host`` (start-up)."""
        try:
            self._resteer(host)
        except Exception:
            # steering is an optimisation; it must never stop nova-compute
            LOG.exception('Could not re-steer the PCI interrupts of the '
                          'guests on this host')

    def _resteer(self, host):
        running = set(self._running_uuids())
        if not running:
            return
        for instance in objects.InstanceList.get_by_host(
                nova_context.get_admin_context(), host,
                expected_attrs=['flavor', 'numa_topology', 'pci_devices']):
            if (instance.uuid in running and
                    pci_irq.KEY in (instance.flavor.extra_specs or {})):
                self.steer(instance)
