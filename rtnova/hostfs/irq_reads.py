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

"""Reads of interrupts: affinities, the default, a PCI device's IRQs, and
irqbalance's configuration.
"""

from rtnova.hardware import cpuset
from rtnova.hostfs import files

IRQBALANCE_FILES = ('etc/sysconfig/irqbalance', 'etc/default/irqbalance')
DEFAULT_AFFINITY = 'proc/irq/default_smp_affinity'


def affinity_file(irq):
    """``/proc/irq/<irq>/smp_affinity_list``, relative to the root."""
    return 'proc/irq/%d/smp_affinity_list' % irq


class IRQReads(files.HostFiles):

    def irq_affinities(self):
        """{irq number: CPUs} from /proc/irq/*/smp_affinity_list."""
        affinities = {}
        for path in self.glob('proc/irq/*/smp_affinity_list'):
            irq = path.rsplit('/', 2)[-2]
            if not irq.isdigit():
                continue
            cpus = cpuset.parse_cpu_spec_or_none(
                self.read(self.relative(path)))
            if cpus is not None:
                affinities[int(irq)] = cpus
        return affinities

    def irq_affinity_spec(self, irq):
        """The CPU list an interrupt points at, as the kernel wrote it;
        raises OSError (the interrupt went away).
        """
        return self.read_raw(affinity_file(irq)).strip()

    def default_irq_cpus(self):
        """CPUs of ``default_smp_affinity`` (None: unreadable)."""
        return cpuset.parse_hex_mask(self.read(DEFAULT_AFFINITY))

    def device_irqs(self, address):
        """Interrupt numbers of the PCI device at ``address``: its MSI and
        MSI-X vectors, else its legacy ``irq``.
        """
        base = 'sys/bus/pci/devices/%s' % address
        try:
            names = self.listdir(base + '/msi_irqs')
        except OSError:
            names = []
        irqs = sorted(int(n) for n in names if n.isdigit())
        if irqs:
            return irqs
        legacy = self.read_int(base + '/irq')
        return [legacy] if legacy is not None and legacy > 0 else []

    def irqbalance_config(self):
        """(file, {variable: value}) of the first irqbalance config found."""
        for relative in IRQBALANCE_FILES:
            text = self.read(relative)
            if text is None:
                continue
            values = {}
            for line in text.splitlines():
                line = line.strip()
                if not line or line.startswith('#') or '=' not in line:
                    continue
                key, _, value = line.partition('=')
                values[key.strip()] = value.strip().strip('"\'')
            return '/' + relative, values
        return None, {}
