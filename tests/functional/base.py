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

"""The functional tier's base: nova's in-process services with rtnova.

``nova.tests.functional.libvirt.base.ServersTestBase`` runs nova's API,
conductor, scheduler, placement and compute in one process, with nova's fake
libvirt connection. This base configures rtnova in it exactly as an operator
would in nova.conf: ``compute_driver = rtnova.RealtimeLibvirtDriver`` and the
``RealtimeFilter`` in the scheduler.
"""

import logging
import os
import sys

import fixtures
from lxml import etree

from nova.tests.fixtures import libvirt as fakelibvirt
from nova.tests.functional.libvirt import base

import rtnova.conf
from rtnova.hostfs import host_reader as probe_mod
from rtnova.privsep import access
from rtnova.virt import driver as rt_driver

RT_FILTER = 'rtnova.scheduler.filters.RealtimeFilter'
NOVA_FILTERS = 'nova.scheduler.filters.all_filters'
COMPUTE_DRIVER = 'rtnova.RealtimeLibvirtDriver'
# 1 GiB in KiB: nova and libvirt count page sizes in KiB
PAGE_1G = 1048576


def api_paste_config():
    """The api-paste.ini the installed nova ships (under sys.prefix)."""
    path = os.path.join(sys.prefix, 'etc', 'nova', 'api-paste.ini')
    if not os.path.exists(path):
        raise RuntimeError('nova api-paste.ini not found at %s: is nova '
                           'installed in this environment?' % path)
    return path


def host_info(nodes=2, cores=4, threads=1, kb_mem=16 * 1024 * 1024,
              gigapages_per_node=0):
    """A fakelibvirt host with optional 1 GiB pages on every node."""
    mempages = None
    if gigapages_per_node:
        per_node_kb = kb_mem // nodes
        small = (per_node_kb - gigapages_per_node * PAGE_1G) // 4
        mempages = {
            n: fakelibvirt.create_mempages(
                [(4, small), (PAGE_1G, gigapages_per_node)])
            for n in range(nodes)}
    return fakelibvirt.HostInfo(
        cpu_nodes=nodes, cpu_sockets=1, cpu_cores=cores,
        cpu_threads=threads, kB_mem=kb_mem, mempages=mempages)


class DefinedXMLRecorder(fixtures.Fixture):
    """Records the domain XML nova passes to libvirt's ``defineXML``.

    nova's fake connection re-renders a domain from a template in
    ``XMLDesc`` and drops most elements (``<cputune>`` scheduling,
    ``<memoryBacking>``, features), so XML assertions read the document the
    driver defined. A spy only: the fake still defines the domain.
    """

    def _setUp(self):
        self.by_uuid = {}
        define = fakelibvirt.Connection.defineXML
        recorder = self

        def defineXML(conn, xml):
            dom = define(conn, xml)
            recorder.by_uuid[dom.UUIDString()] = xml
            return dom

        self.useFixture(fixtures.MonkeyPatch(
            'nova.tests.fixtures.libvirt.Connection.defineXML', defineXML))


class RestoreRootLogger(fixtures.Fixture):
    """Put the root logger back as it was.

    nova's test base and services configure the root logger (DEBUG, to
    stdout) and leave it so; without this, every later test in the same
    worker floods the test output with nova's DEBUG lines.
    """

    def _setUp(self):
        root = logging.getLogger()
        level, handlers = root.level, list(root.handlers)

        def restore():
            root.setLevel(level)
            root.handlers[:] = handlers
        self.addCleanup(restore)


class RtnovaServersTestBase(base.ServersTestBase):
    """nova's libvirt functional base, running rtnova's driver and filter."""

    #: the scheduler filters enabled on top of nova's defaults
    RTNOVA_FILTERS = ['RealtimeFilter']
    #: the compute driver started by start_compute()
    COMPUTE_DRIVER = COMPUTE_DRIVER
    microversion = 'latest'
    ADMIN_API = True

    def setUp(self):
        rtnova.conf.register_opts()
        self.useFixture(RestoreRootLogger())
        super().setUp()
        self.defined = self.useFixture(DefinedXMLRecorder())
        # The readiness checks (CUSTOM_RT_READY) read an empty host tree:
        # nova's harness forbids reading this machine's /sys, and a
        # functional test must not depend on the machine it runs on.
        self.readiness_root = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.MockPatchObject(
            rt_driver.RealtimeLibvirtDriver, 'readiness_probe',
            probe_mod.HostReader(root=self.readiness_root)))
        # fakelibvirt guests have no QEMU process: the read-back of their
        # threads reads an empty /proc (and says it cannot, in the log); the
        # host is reached in-process, on that tree, never through privsep
        self.useFixture(fixtures.MockPatchObject(
            rt_driver.RealtimeLibvirtDriver, 'host_access',
            access.HostAccess(root=self.readiness_root)))

    def _setup_services(self):
        self.flags(api_paste_config=api_paste_config(), group='wsgi')
        self.flags(available_filters=[NOVA_FILTERS, RT_FILTER],
                   group='filter_scheduler')
        self.ADDITIONAL_FILTERS = list(self.RTNOVA_FILTERS)
        super()._setup_services()

    def start_compute(self, *args, **kwargs):
        # ServersTestBase hard-codes nova's driver in _setup_compute_service;
        # set ours right before each compute starts.
        self.flags(compute_driver=self.COMPUTE_DRIVER)
        return super().start_compute(*args, **kwargs)

    def start_rt_compute(self, hostname='compute1', dedicated='0-7',
                         shared=None, pool=None, info=None, **rtnova_opts):
        """Start a compute with a dedicated set and an optional pool."""
        self.flags(cpu_dedicated_set=dedicated, cpu_shared_set=shared,
                   group='compute')
        self.flags(emulator_pin_set=pool, group='rtnova', **rtnova_opts)
        return self.start_compute(hostname=hostname, host_info=info)

    def domain_xml(self, server, hostname='compute1'):
        """The domain XML the compute defined for ``server``."""
        conn = self.computes[hostname].driver._host.get_connection()
        dom = conn.lookupByUUIDString(server['id'])
        return dom.XMLDesc(0)

    def defined_xml(self, server):
        """The domain XML the driver defined for ``server`` (latest)."""
        return self.defined.by_uuid[server['id']]

    def defined_tree(self, server):
        return etree.fromstring(self.defined_xml(server).encode())

    def domain_tree(self, server, hostname='compute1'):
        return etree.fromstring(self.domain_xml(server, hostname).encode())
