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

"""nova's in-process services driving the real private libvirtd.

nova's libvirt functional base (``ServersTestBase``) swaps libvirt for
fakelibvirt and stubs what the driver does on the host (image creation,
disk sizes, /sys, /proc/meminfo, ``os.uname``, the event thread). This base
keeps nova's service harness (``_IntegratedTestBase``: database, RPC,
placement, the image service, neutron and cinder stand-ins, conductor,
scheduler, API) and replaces only the libvirt part: ``nova-compute`` runs
``rtnova.RealtimeLibvirtDriver`` against the real daemon of
:class:`tests.realhost.fixtures.LibvirtdFixture` through ``[libvirt]
connection_uri``, with the real host's CPUs, memory, hugepages and disk,
real image download and ``qemu-img``, and QEMU/KVM booting the guest.

What nova's harness forbids a unit test and a compute on a real host needs
is given back for these tests only, by name (:data:`UNPOISONED`); privsep
runs in-process (the tier runs as root). libvirt's event thread stays off
as in nova's own libvirt harness: nova then learns power states by polling.
"""

import builtins
import glob
import os
import os.path
import sys
import uuid

import fixtures
import libvirt
from lxml import etree
import psutil
from testtools import content

from nova.tests import fixtures as nova_fixtures
from nova.tests.fixtures import libvirt as nova_libvirt_fixtures
from nova.tests.functional import integrated_helpers

import rtnova.conf
from rtnova.privsep import context as privsep_context
from tests.functional import base as func_base
from tests.realhost import cpu_mode
from tests.realhost import fixtures as rh

# What nova's test.TestCase poisons (SysFsPoisonFixture,
# GenericPoisonFixture) that nova-compute on a real host must call: the
# originals, taken when this module is imported (before any test runs).
UNPOISONED = {
    'builtins.open': builtins.open,
    'os.listdir': os.listdir,
    'os.path.isdir': os.path.isdir,
    'glob.glob': glob.glob,
    'glob.iglob': glob.iglob,
    'os.uname': os.uname,
    'psutil.net_if_addrs': psutil.net_if_addrs,
}


# 2 minutes in nova's 0.5 s polls
REAL_WAIT_RETRIES = 240


class SandboxRefusals(fixtures.Fixture):
    """Drop from defined domains only what this sandbox refuses, by name.

    ``<memoryBacking><locked/>``: libvirt raises QEMU's RLIMIT_MEMLOCK for
    it, which this sandbox forbids ("cannot limit locked memory ...:
    Operation not permitted"). Applied at libvirt-python's ``defineXML``,
    below nova, and only when the probe shows the limit cannot be raised.
    ``self.applied`` lists what was removed, for the test's output.
    """

    def __init__(self, drop_locked):
        super().__init__()
        self.drop_locked = drop_locked
        self.applied = []

    def _setUp(self):
        if not self.drop_locked:
            return
        define = libvirt.virConnect.defineXML
        refusals = self

        def defineXML(conn, xml):
            tree = etree.fromstring(xml.encode())
            locked = tree.find('memoryBacking/locked')
            if locked is not None:
                locked.getparent().remove(locked)
                refusals.applied.append(
                    '%s: <memoryBacking><locked/> removed (RLIMIT_MEMLOCK '
                    'cannot be raised in this sandbox)' % tree.findtext(
                        'name'))
                xml = etree.tostring(tree).decode()
            return define(conn, xml)

        self.useFixture(fixtures.MonkeyPatch(
            'libvirt.virConnect.defineXML', defineXML))


class RealComputeTestBase(integrated_helpers._IntegratedTestBase):
    """nova's services; nova-compute on the private real libvirtd."""

    ADMIN_API = True
    microversion = 'latest'
    #: 2 MiB pages the fixture reserves for guests
    HUGEPAGES_2M = 128

    def setUp(self):
        missing = rh.missing_prerequisites()
        if missing:
            self.skipTest('real libvirtd + KVM not available: missing ' +
                          '; '.join(missing))
        # before nova's harness, which forbids the /sys writes it needs
        self.libvirtd = self.useFixture(rh.LibvirtdFixture(
            hugepages_2m=self.HUGEPAGES_2M, own_daemon=True))
        rtnova.conf.register_opts()
        self.useFixture(func_base.RestoreRootLogger())
        super().setUp()

    def _setup_services(self):
        for name, original in UNPOISONED.items():
            self.useFixture(fixtures.MonkeyPatch(name, original))
        self.useFixture(nova_fixtures.PrivsepFixture())
        # rtnova's privsep entrypoints likewise run in this (root) process;
        # test_privsep_unprivileged runs them in a real daemon
        self.useFixture(fixtures.MockPatchObject(
            privsep_context.host_pctxt, 'client_mode', False))
        # the harness' poison exits the process; nova's libvirt harness
        # disables the event thread instead, and so do we
        nova_libvirt_fixtures.disable_event_thread(self)
        self.flags(api_paste_config=func_base.api_paste_config(),
                   group='wsgi')
        self.flags(available_filters=[func_base.NOVA_FILTERS,
                                      func_base.RT_FILTER],
                   group='filter_scheduler')
        self.flags(instances_path=self.useFixture(fixtures.TempDir()).path)
        # stestr workers share the daemon, and each worker's nova numbers
        # its instances from 1: keep the domain names apart
        self.flags(instance_name_template='%s%s-%%08x' % (
            rh.DOMAIN_PREFIX, uuid.uuid4().hex[:8]))
        super()._setup_services()

    def _setup_compute_service(self):
        # started by the test, once it has configured the host
        return None

    def _setup_scheduler_service(self):
        enabled = list(rtnova.conf.CONF.filter_scheduler.enabled_filters)
        self.flags(enabled_filters=enabled + ['RealtimeFilter'],
                   group='filter_scheduler')
        return self.start_service('scheduler')

    def _wait_for_server_parameter(self, server, expected_params,
                                   max_retries=10, **kwargs):
        # nova's harness waits 5 s (10 x 0.5 s); a real hypervisor on a
        # busy 2-CPU machine takes longer to boot, stop or save a guest
        return super()._wait_for_server_parameter(
            server, expected_params, max(max_retries, REAL_WAIT_RETRIES),
            **kwargs)

    def accepted_cpu_mode(self):
        """The ``[libvirt]`` CPU options whose guests QEMU here starts.

        Found by trying (:mod:`tests.realhost.cpu_mode`); what was refused
        and what nova runs with instead goes to the test's output.
        """
        choice = cpu_mode.choose_on(
            self.libvirtd.conn,
            lambda cpu: rh.firmware_domain_xml(
                rh.domain_name(), vcpus=1, cpu_element=cpu),
            key=rh.private_libvirtd.which('qemu-system-x86_64'))
        text = cpu_mode.describe(choice)
        self.addDetail('host adaptations: guest CPU',
                       content.text_content(text))
        sys.stdout.write('\n%s\n' % text)
        return choice.libvirt_flags

    def start_real_compute(self, hostname='compute1', **config):
        """nova-compute with rtnova's driver on the private libvirtd.

        ``config``: {group: {option: value}} set before it starts.
        """
        self.flags(compute_driver=func_base.COMPUTE_DRIVER)
        self.flags(virt_type='kvm', connection_uri=self.libvirtd.uri,
                   group='libvirt', **self.accepted_cpu_mode())
        for group, options in config.items():
            self.flags(group=group, **options)
        compute = self.start_service('compute', host=hostname)
        self.computes[hostname] = compute
        # the node is named after this machine (libvirt's getHostname)
        nodename = compute.driver.get_available_nodes()[0]
        self.compute_rp_uuid = self.placement.get(
            '/resource_providers?name=%s' % nodename).body[
            'resource_providers'][0]['uuid']
        return compute
