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

"""Driver mixin: steer guests' PCI interrupts (``hw:pci_irq_affinity_mask``).

Mixed into :class:`rtnova.virt.driver.RealtimeLibvirtDriver` ahead of nova's
libvirt driver. After every operation that (re)starts a guest on this host
it points the MSI interrupts of the guest's PCI devices at the pCPUs of the
vCPUs the flavor names; on cleanup (destroy, hard reboot, the source of a
migration) it hands them back to the host default.
A periodic audit (nova's resource update calls ``get_available_resource``)
re-applies it, because vfio-pci requests a device's MSI interrupts only
when the guest's driver enables them.

When nova-compute starts, the guests already running here are steered
again. Guests without the key, or without PCI devices, are left exactly as
nova leaves them. Steering never fails an operation: what cannot be written is
logged.
"""

from oslo_log import log as logging

from nova import context as nova_context
from nova import objects

from rtnova.hardware import errors
from rtnova.hardware import pci_irq
from rtnova.privsep import access as access_mod
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


class PCIIRQSteering(object):

    #: how the driver reads and writes the host (the read-back uses it
    #: too): through rtnova's privsep daemon, so nova-compute does the same
    #: as root or not; tests use a ``HostAccess`` on a fake tree
    host_access = access_mod.PrivilegedHostAccess()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # {instance uuid: (addresses, pCPUs)} of the guests steered here
        self._irq_guests = {}

    def _irq_steering(self):
        return irq_steering.IRQSteering(access=self.host_access)

    def steer_guest_irqs(self, instance):
        try:
            target = irq_target(instance)
        except errors.InvalidRequest as exc:
            LOG.warning('Not steering PCI interrupts: %s', exc,
                        instance=instance)
            return None
        if target is None:
            return None
        self._irq_guests[instance.uuid] = target
        return self._irq_steering().steer(*target)

    def release_guest_irqs(self, instance):
        # only what this process steered: after a migration the instance's
        # PCI devices are the destination's, not this host's
        target = self._irq_guests.pop(instance.uuid, None)
        if target is not None:
            self._irq_steering().release(target[0])

    def audit_guest_irqs(self):
        """Re-apply steering to the guests still defined on this host."""
        if not self._irq_guests:
            return
        present = set(self.list_instance_uuids())
        steering = self._irq_steering()
        for uuid, (addresses, cpus) in list(self._irq_guests.items()):
            if uuid in present:
                steering.steer(addresses, cpus)
            else:
                self._irq_guests.pop(uuid, None)

    # -- start-up: steer again the guests already running here ------------

    def init_host(self, host):
        super().init_host(host)
        try:
            self._resteer_guests_on(host)
        except Exception:
            # steering is an optimisation; it must never stop nova-compute
            LOG.exception('Could not re-steer the PCI interrupts of the '
                          'guests on this host')

    def _resteer_guests_on(self, host):
        running = set(self.list_instance_uuids())
        if not running:
            return
        for instance in objects.InstanceList.get_by_host(
                nova_context.get_admin_context(), host,
                expected_attrs=['flavor', 'numa_topology', 'pci_devices']):
            if (instance.uuid in running and
                    pci_irq.KEY in (instance.flavor.extra_specs or {})):
                self.steer_guest_irqs(instance)

    # -- the operations that start a guest here ----------------------------

    def spawn(self, context, instance, *args, **kwargs):
        result = super().spawn(context, instance, *args, **kwargs)
        self.steer_guest_irqs(instance)
        return result

    def post_live_migration_at_destination(self, context, instance, *args,
                                           **kwargs):
        result = super().post_live_migration_at_destination(
            context, instance, *args, **kwargs)
        self.steer_guest_irqs(instance)
        return result

    def finish_migration(self, context, migration, instance, *args,
                         **kwargs):
        result = super().finish_migration(context, migration, instance,
                                          *args, **kwargs)
        self.steer_guest_irqs(instance)
        return result

    def finish_revert_migration(self, context, instance, *args, **kwargs):
        result = super().finish_revert_migration(context, instance, *args,
                                                 **kwargs)
        self.steer_guest_irqs(instance)
        return result

    def reboot(self, context, instance, *args, **kwargs):
        result = super().reboot(context, instance, *args, **kwargs)
        self.steer_guest_irqs(instance)
        return result

    def power_on(self, context, instance, *args, **kwargs):
        result = super().power_on(context, instance, *args, **kwargs)
        self.steer_guest_irqs(instance)
        return result

    # -- the guest leaves: destroy, hard reboot, migration source ----------

    def cleanup(self, context, instance, *args, **kwargs):
        try:
            return super().cleanup(context, instance, *args, **kwargs)
        finally:
            self.release_guest_irqs(instance)

    # -- periodic -----------------------------------------------------------

    def get_available_resource(self, nodename):
        result = super().get_available_resource(nodename)
        self.audit_guest_irqs()
        return result
