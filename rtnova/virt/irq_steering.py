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

"""Point the interrupts of a guest's PCI devices at chosen host CPUs.

``hw:pci_irq_affinity_mask`` names vCPUs; the driver turns them into the
pCPUs they are pinned to and asks :class:`IRQSteering` to write those into
``/proc/irq/<n>/smp_affinity_list`` for every MSI/MSI-X interrupt of the
guest's devices (``/sys/bus/pci/devices/<address>/msi_irqs/<n>``; the
legacy ``irq`` when the device has none). On delete the remaining
interrupts go back to the host's default (``/proc/irq/default_smp_affinity``,
the housekeeping CPUs on a tuned real-time host).

vfio-pci requests a device's MSI interrupts only when the guest's driver
enables them, seconds after the guest started, so steering is re-applied by
the driver's periodic audit too. The reads are the host reader's
(``rtnova.hostfs``); the writes go through a host access object
(``rtnova.privsep.access``): nova-compute's goes through privsep; tests
use one on a fake tree.
"""

from oslo_log import log as logging

from rtnova.hardware import cpuset
from rtnova.privsep import access as access_mod

LOG = logging.getLogger(__name__)


class IRQSteering(object):

    def __init__(self, root='/', access=None):
        self.access = access or access_mod.HostAccess(root)
        self.root = self.access.root
        self.reader = self.access.reader()

    def device_irqs(self, address):
        """Interrupt numbers of the PCI device at ``address``."""
        return self.reader.device_irqs(address)

    def default_cpus(self):
        return self.reader.default_irq_cpus()

    def point(self, irqs, cpus):
        """Write ``cpus`` as the affinity of ``irqs``; (done, failed).

        An interrupt that went away, or that the kernel manages itself
        (EIO), is reported in ``failed`` ({irq: reason}) and skipped.
        """
        spec = cpuset.format_cpu_spec(cpus)
        done, failed = [], {}
        for irq in irqs:
            try:
                if self.reader.irq_affinity_spec(irq) != spec:
                    self.access.write_irq_affinity(irq, spec)
            except OSError as exc:
                failed[irq] = exc.strerror or str(exc)
                continue
            done.append(irq)
        return done, failed

    def steer(self, addresses, cpus):
        """Point every interrupt of the devices at ``cpus``."""
        irqs = [irq for address in addresses
                for irq in self.device_irqs(address)]
        done, failed = self.point(irqs, cpus)
        if failed:
            LOG.warning('Could not steer IRQs %s of PCI devices %s to CPUs '
                        '%s: %s', sorted(failed), ', '.join(addresses),
                        cpuset.format_cpu_spec(cpus), failed)
        return done, failed

    def release(self, addresses):
        """Point the devices' remaining interrupts at the host default."""
        cpus = self.default_cpus()
        if not cpus:
            return [], {}
        return self.steer(addresses, cpus)
