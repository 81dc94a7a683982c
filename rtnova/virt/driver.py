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

from nova.compute import utils as compute_utils
from nova import exception
from nova.virt.libvirt import driver as libvirt_driver

import rtnova.conf
from rtnova.conf import guest_features
from rtnova.conf import host_config
from rtnova.hardware import errors
from rtnova.hardware import host_config_rules as rules
from rtnova.hardware import request as request_mod
from rtnova.hardware import tuning
from rtnova.hostfs import host_reader
from rtnova.privsep import access as access_mod
from rtnova.status import readiness
from rtnova.virt import claimed_cells
from rtnova.virt import guest_config
from rtnova.virt import guest_irqs
from rtnova.virt import instance_request
from rtnova.virt import migrating_guest
from rtnova.virt import moves
from rtnova.virt import pool_holders
from rtnova.virt import readback_report

LOG = logging.getLogger(__name__)
CONF = rtnova.conf.CONF

POOL_RC = request_mod.POOL_RESOURCE
TRAIT_CAPABLE = 'CUSTOM_RT_CAPABLE'
TRAIT_READY = readiness.TRAIT


def _dedicated_cpus():
    return host_config.cpu_sets(CONF).dedicated


class RealtimeLibvirtDriver(libvirt_driver.LibvirtDriver):
    """nova's libvirt driver with rtnova's real-time guest handling.

    Enable it with ``[DEFAULT] compute_driver = rtnova.RealtimeLibvirtDriver``.
    """

    #: reads the kernel command line (isolcpus); replaceable in tests
    read_cmdline = staticmethod(host_reader.read_cmdline)
    #: the readiness checks' HostReader (None: the real host)
    readiness_probe = None
    #: how the driver reads and writes the host (PCI interrupt steering,
    #: the read-back and the placement of KVM threads): through rtnova's
    #: privsep daemon, so nova-compute does the same as root or not; tests
    #: use a ``HostAccess`` on a fake tree
    host_access = access_mod.PrivilegedHostAccess()

    def __init__(self, *args, **kwargs):
        self._guest_irqs = guest_irqs.GuestIRQs(
            access=lambda: self.host_access,
            running_uuids=self.list_instance_uuids)
        super().__init__(*args, **kwargs)

    # -- start-up -----------------------------------------------------------

    def init_host(self, host):
        super().init_host(host)
        self._check_rtnova_configuration(host)
        self._rt_settings = host_config.driver_settings(CONF)
        self._guest_irqs.resteer_host(host)
        self._start_drift_check()

    def _start_drift_check(self):
        self._drift_monitor = readback_report.start_drift_monitor(
            lambda: [guest._domain for guest in self._host.list_guests()],
            CONF, self.host_access)

    @property
    def rt_settings(self):
        """This compute's :class:`host_config.DriverSettings`."""
        settings = getattr(self, '_rt_settings', None)
        if settings is None:
            settings = self._rt_settings = host_config.driver_settings(CONF)
        return settings

    @property
    def rt_limits(self):
        return self.rt_settings.limits

    def _host_facts(self):
        present, _map, _online = self._host.get_connection().getCPUMap()
        return host_config.HostFacts(
            present=frozenset(range(present)),
            online=frozenset(self._host.get_online_cpus()),
            cmdline=self.read_cmdline())

    def _check_rtnova_configuration(self, host):
        """Refuse to start on a host whose real-time options cannot work.

        The rules are rtnova-status' (``emulator_pool``,
        ``priority_config``), plus one only placement can answer: a pool
        smaller than what guests on this host already hold.
        """
        try:
            problems = host_config.problems(CONF, self._host_facts())
            if not problems:
                shrink = self._pool_shrink_problem(host)
                problems = (shrink,) if shrink else ()
        except errors.InvalidHostConfig as exc:
            problems = (exc,)
        if problems:
            raise exception.InvalidConfiguration(rules.message(problems))

    def _pool_shrink_problem(self, host):
        capacity = host_config.driver_settings(CONF).pool_capacity
        holders = pool_holders.holders(host)
        if holders is None:
            return None
        return rules.pool_shrink_problem(capacity, holders)

    # -- the guest's start paths ----------------------------------------------
    # Every nova driver call after which a guest's QEMU runs (again) on this
    # host is here, and each ends in _guest_started. A soft reboot keeps the
    # QEMU process (its threads stay placed) but the guest's drivers enable
    # their MSI interrupts anew, so it is steered, not read back.

    def _guest_started(self, context, instance, new_qemu=True):
        """After a start: steer the PCI interrupts, then read back."""
        self._guest_irqs.steer(instance)
        if new_qemu:
            # also places the KVM kernel threads, new with each QEMU
            self._read_back(context, instance)

    def spawn(self, context, instance, image_meta, *args, **kwargs):
        # Judge the real-time request before nova builds anything: a bad
        # one raises InvalidInput, which nova's compute manager turns into
        # a build abort (server ERROR, the key and fix as its fault).
        instance_request.request_from_instance(instance, image_meta,
                                               self.rt_limits)
        super().spawn(context, instance, image_meta, *args, **kwargs)
        self._guest_started(context, instance)

    def resume(self, context, instance, *args, **kwargs):
        super().resume(context, instance, *args, **kwargs)
        self._guest_started(context, instance)

    def power_on(self, context, instance, *args, **kwargs):
        super().power_on(context, instance, *args, **kwargs)
        self._guest_started(context, instance)

    def resume_state_on_host_boot(self, context, instance, *args, **kwargs):
        super().resume_state_on_host_boot(context, instance, *args, **kwargs)
        self._guest_started(context, instance)

    def finish_migration(self, context, migration, instance, *args,
                         **kwargs):
        super().finish_migration(context, migration, instance, *args,
                                 **kwargs)
        self._guest_started(context, instance)

    def finish_revert_migration(self, context, instance, *args, **kwargs):
        super().finish_revert_migration(context, instance, *args, **kwargs)
        self._guest_started(context, instance)

    def post_live_migration_at_destination(self, context, instance, *args,
                                           **kwargs):
        super().post_live_migration_at_destination(context, instance, *args,
                                                   **kwargs)
        self._guest_started(context, instance)

    def reboot(self, context, instance, network_info, reboot_type,
               *args, **kwargs):
        # A hard reboot re-renders the XML under today's bounds. Refuse
        # before nova destroys the domain, so a guest whose priority the
        # operator has since forbidden keeps running (nova records the
        # fault, naming the key and the fix) instead of being clamped.
        if reboot_type == 'HARD':
            # an instance action event the tenant sees (nova's fault is
            # shown only for servers in ERROR)
            with compute_utils.EventReporter(
                    context, 'rtnova_check_priority_bounds', CONF.host,
                    instance.uuid):
                instance_request.request_from_instance(
                    instance, instance.image_meta, self.rt_limits)
        super().reboot(context, instance, network_info, reboot_type, *args,
                       **kwargs)
        self._guest_started(context, instance,
                            new_qemu=reboot_type == 'HARD')

    # -- the guest leaves: destroy, hard reboot, migration source -----------

    def cleanup(self, context, instance, *args, **kwargs):
        try:
            return super().cleanup(context, instance, *args, **kwargs)
        finally:
            self._guest_irqs.release(instance)

    # -- read-back of the running threads -------------------------------------

    def _read_back(self, context, instance):
        """Check that the hypervisor applied the real-time settings."""
        if instance.numa_topology is None:
            return None
        try:
            dom = self._host.get_guest(instance)._domain
        except exception.InstanceNotFound:
            return None
        if not dom.isActive():
            # a move that leaves the guest stopped (power_on=False)
            return None
        return readback_report.check_instance(
            context, instance, dom, CONF.host, self.host_access)

    # -- guest XML ----------------------------------------------------------

    def _get_guest_memory_backing_config(
            self, inst_topology, numatune, flavor, image_meta):
        # nova refuses real-time + hw:emulator_threads_policy=share without
        # [compute] cpu_shared_set; with rtnova's pool the pool carries the
        # emulator threads instead, so nova's check must not see 'share'.
        if (self.rt_settings.pool and
                not CONF.compute.cpu_shared_set and
                instance_request.request_from_flavor(
                    flavor, image_meta, limits=self.rt_limits).pool_units):
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
            instance_request.request_from_instance(instance, image_meta,
                                                   self.rt_limits),
            instance.numa_topology, iothreads)

    def _plan(self, request, instance_topology, iothreads):
        pool = self.rt_settings.pool
        if not (request.realtime or (request.pool_units and pool)):
            return None
        host_topology = self._get_host_numa_topology()
        host = claimed_cells.host_layout(
            self._host.get_capabilities().host.topology, host_topology,
            self._host.get_online_cpus(),
            host_config.cpu_sets(CONF).shared, pool)
        return tuning.plan(
            request, claimed_cells.claimed_placement(
                instance_topology, host_topology, host, request.pool_units),
            iothreads=iothreads or 0,
            small_page_kb=claimed_cells.small_page_kb(host_topology),
            features=guest_features.latency_features(CONF))

    # -- resize, cold migration -----------------------------------------------

    def get_available_resource(self, nodename):
        # publish this host's priority bounds on its compute node record, so
        # the source of a resize can check them before the disk moves
        resources = super().get_available_resource(nodename)
        stats = dict(resources.get('stats') or {})
        stats.update(moves.limits_stats(self.rt_limits))
        resources['stats'] = stats
        # the periodic audit: interrupts guests enabled since their start
        self._guest_irqs.audit()
        return resources

    def migrate_disk_and_power_off(self, context, instance, dest, flavor,
                                   *args, **kwargs):
        # the source, before anything is powered off or copied
        moves.check_resize_destination(context, instance, flavor)
        return super().migrate_disk_and_power_off(
            context, instance, dest, flavor, *args, **kwargs)

    # -- live migration ---------------------------------------------------

    def check_can_live_migrate_destination(self, context, instance, *args,
                                           **kwargs):
        # The destination's bounds, before anything moves: a refusal here
        # leaves the guest running on the source (nova's conductor records
        # the error on the migration and tries another host, if any).
        moves.check_destination_bounds(instance, self.rt_limits)
        return super().check_can_live_migrate_destination(
            context, instance, *args, **kwargs)

    def post_claim_migrate_data(self, context, instance, migrate_data,
                                claim):
        # nova's version builds the NUMA info from the claim's flavor and
        # image only; rtnova's image keys live in the instance's system
        # metadata, which is only here.
        migrate_data.dst_numa_info = self._realtime_numa_info(
            claim.claimed_numa_topology, claim.flavor, claim.image_meta,
            instance.system_metadata)
        return migrate_data

    def _get_live_migrate_numa_info(self, instance_numa_topology, flavor,
                                    image_meta):
        return self._realtime_numa_info(instance_numa_topology, flavor,
                                        image_meta)

    def _realtime_numa_info(self, topology, flavor, image_meta,
                            system_metadata=None):
        """nova's NUMA info for the source, with rtnova's pins.

        Runs on the destination: nova's source rewrites the XML with these
        pins, so emulator/I/O threads land on this host's pool and vCPUs get
        this host's priority (the image's, within this host's bounds).
        """
        info = super()._get_live_migrate_numa_info(topology, flavor,
                                                   image_meta)
        if 'cpu_pins' not in info:
            return info
        request = instance_request.request_from_flavor(
            flavor, image_meta, system_metadata, self.rt_limits)
        plan = self._plan(request, topology, self._get_guest_iothread())
        if plan is not None:
            info.emulator_pins = set(plan.emulatorpin)
            if plan.vcpusched:
                info.sched_vcpus = set(plan.vcpusched[0].vcpus)
                info.sched_priority = plan.vcpusched[0].priority
        return info

    def _live_migration_operation(self, context, instance, dest,
                                  block_migration, migrate_data, guest,
                                  device_names):
        # Runs on the source, around nova's XML rewrite for the destination
        # (which writes scheduler='fifo' whatever the guest had).
        request = moves.source_request(instance, self.rt_limits)
        if request is not None and request.realtime:
            guest = migrating_guest.RealtimeMigratingGuest(guest, request)
        return super()._live_migration_operation(
            context, instance, dest, block_migration, migrate_data, guest,
            device_names)

    # -- placement ----------------------------------------------------------

    def update_provider_tree(self, provider_tree, nodename, allocations=None):
        super().update_provider_tree(provider_tree, nodename,
                                     allocations=allocations)
        inventory = dict(provider_tree.data(nodename).inventory)
        if self.rt_settings.pool:
            total = self.rt_settings.pool_capacity
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
        if not self.rt_settings.report_ready_trait:
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
