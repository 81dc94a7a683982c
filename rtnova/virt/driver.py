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

"""The rtnova compute driver: nova's libvirt driver plus real-time parts.

Thin by design: nova's ``LibvirtDriver`` builds the guest; this subclass
only adjusts the real-time elements and reports rtnova's resources. The
decisions come from ``rtnova.hardware`` (the same code the scheduler filter
and ``rtnova-plan`` use).
"""

import copy

from oslo_log import log as logging

from nova import exception
from nova.virt import hardware as nova_hardware
from nova.virt.libvirt import driver as libvirt_driver

import rtnova.conf
from rtnova.conf import guest_features
from rtnova.hardware import emulator
from rtnova.hardware import errors
from rtnova.hardware import request as request_mod
from rtnova.hardware import tuning
from rtnova.status import readiness
from rtnova.virt import claimed_cells
from rtnova.virt import guest_config
from rtnova.virt import host_config
from rtnova.virt import instance_request
from rtnova.virt import irq_hooks

LOG = logging.getLogger(__name__)
CONF = rtnova.conf.CONF

POOL_RC = request_mod.POOL_RESOURCE
TRAIT_CAPABLE = 'CUSTOM_RT_CAPABLE'
TRAIT_READY = readiness.TRAIT


def _dedicated_cpus():
    return frozenset(nova_hardware.get_cpu_dedicated_set() or
                     nova_hardware.get_vcpu_pin_set() or ())


class RealtimeLibvirtDriver(irq_hooks.PCIIRQSteering,
                            libvirt_driver.LibvirtDriver):
    """nova's libvirt driver with rtnova's real-time guest handling.

    Enable it with ``[DEFAULT] compute_driver = rtnova.RealtimeLibvirtDriver``.
    """

    #: reads the kernel command line (isolcpus); replaceable in tests
    read_cmdline = staticmethod(host_config.read_cmdline)
    #: the readiness checks' HostProbe (None: the real host)
    readiness_probe = None

    # -- start-up -----------------------------------------------------------

    def init_host(self, host):
        super().init_host(host)
        self._check_rtnova_configuration()

    def _check_rtnova_configuration(self):
        """Refuse to start on a host whose emulator pool cannot work."""
        try:
            pool = host_config.parse_pool(CONF.rtnova.emulator_pin_set)
            if pool:
                present, _map, _online = (
                    self._host.get_connection().getCPUMap())
                facts = host_config.HostFacts(
                    present=frozenset(range(present)),
                    online=frozenset(self._host.get_online_cpus()),
                    cmdline=self.read_cmdline())
                host_config.validate_pool(pool, _dedicated_cpus(), facts)
        except errors.InvalidHostConfig as exc:
            raise exception.InvalidConfiguration(str(exc))

    # -- spawn --------------------------------------------------------------

    def spawn(self, context, instance, image_meta, *args, **kwargs):
        # Judge the real-time request before nova builds anything: a bad
        # one raises InvalidInput, which nova's compute manager turns into
        # a build abort (server ERROR, the key and fix as its fault).
        from rtnova.virt import instance_request
        instance_request.request_from_instance(instance, image_meta)
        return super().spawn(context, instance, image_meta, *args, **kwargs)

    # -- guest XML ----------------------------------------------------------

    def _get_guest_memory_backing_config(
            self, inst_topology, numatune, flavor, image_meta):
        # nova refuses real-time + hw:emulator_threads_policy=share without
        # [compute] cpu_shared_set; with rtnova's pool the pool carries the
        # emulator threads instead, so nova's check must not see 'share'.
        if (CONF.rtnova.emulator_pin_set and
                not CONF.compute.cpu_shared_set and
                instance_request.request_from_flavor(
                    flavor, image_meta).pool_units):
            flavor = flavor.obj_clone()
            flavor.extra_specs = {
                k: v for k, v in flavor.extra_specs.items()
                if k != 'hw:emulator_threads_policy'}
        return super()._get_guest_memory_backing_config(
            inst_topology, numatune, flavor, image_meta)

    def _get_guest_config(self, instance, network_info, image_meta,
                          disk_info, *args, **kwargs):
        guest = super()._get_guest_config(
            instance, network_info, image_meta, disk_info, *args, **kwargs)
        plan = self.tuning_plan(instance, image_meta, guest.iothreads)
        if plan is not None:
            guest_config.apply_plan(guest, plan)
        return guest

    def tuning_plan(self, instance, image_meta, iothreads=1):
        """The instance's :class:`tuning.TuningPlan`, or None.

        None (nova's XML untouched) unless the instance is real-time or
        uses the emulator pool of this host.
        """
        if instance.numa_topology is None:
            return None
        return self._plan(
            instance_request.request_from_instance(instance, image_meta),
            instance.numa_topology, iothreads)

    def _plan(self, request, instance_topology, iothreads):
        pool = host_config.parse_pool(CONF.rtnova.emulator_pin_set)
        if not (request.realtime or (request.pool_units and pool)):
            return None
        host_topology = self._get_host_numa_topology()
        host = claimed_cells.host_layout(
            self._host.get_capabilities().host.topology, host_topology,
            self._host.get_online_cpus(),
            nova_hardware.get_cpu_shared_set() or (), pool)
        return tuning.plan(
            request, claimed_cells.claimed_placement(
                instance_topology, host_topology, host, request.pool_units),
            iothreads=iothreads or 0,
            small_page_kb=claimed_cells.small_page_kb(host_topology),
            features=guest_features.latency_features(CONF))

    def _get_live_migrate_numa_info(self, instance_numa_topology, flavor,
                                    image_meta):
        # Runs on the destination: nova's source rewrites the XML with these
        # pins, so they must be rtnova's (pool, priority), not nova's.
        info = super()._get_live_migrate_numa_info(
            instance_numa_topology, flavor, image_meta)
        if 'cpu_pins' not in info:
            return info
        request = instance_request.request_from_flavor(flavor, image_meta)
        plan = self._plan(request, instance_numa_topology,
                          self._get_guest_iothread())
        if plan is not None:
            info.emulator_pins = set(plan.emulatorpin)
            if plan.vcpusched:
                info.sched_vcpus = set(plan.vcpusched[0].vcpus)
                info.sched_priority = plan.vcpusched[0].priority
        return info

    # -- placement ----------------------------------------------------------

    def update_provider_tree(self, provider_tree, nodename, allocations=None):
        super().update_provider_tree(provider_tree, nodename,
                                     allocations=allocations)
        inventory = dict(provider_tree.data(nodename).inventory)
        pool = host_config.parse_pool(CONF.rtnova.emulator_pin_set)
        if pool:
            total = emulator.capacity(
                pool, CONF.rtnova.emulator_pool_guests_per_cpu)
            inventory[POOL_RC] = {
                'total': total,
                'min_unit': 1,
                'max_unit': total,
                'step_size': 1,
                'allocation_ratio': 1.0,
                'reserved': 0,
            }
        else:
            inventory.pop(POOL_RC, None)
        provider_tree.update_inventory(nodename, inventory)

        # static_traits() drops CUSTOM_ traits, so they are set here
        traits = {TRAIT_CAPABLE: bool(_dedicated_cpus()),
                  TRAIT_READY: self._host_ready()}
        provider_tree.add_traits(
            nodename, *[t for t, on in traits.items() if on])
        provider_tree.remove_traits(
            nodename, *[t for t, on in traits.items() if not on])
        # nova keeps a copy for spawn(); keep it in step
        self.provider_tree = copy.deepcopy(provider_tree)

    def _host_ready(self):
        """Whether rtnova-status' critical host checks pass."""
        if not CONF.rtnova.report_ready_trait:
            return False
        try:
            return bool(readiness.critical_checks_pass(
                probe=self.readiness_probe))
        except Exception:
            # a broken probe must not stop the inventory report; the host
            # just does not claim readiness
            LOG.exception('rtnova readiness checks failed; not reporting '
                          '%s', TRAIT_READY)
            return False
