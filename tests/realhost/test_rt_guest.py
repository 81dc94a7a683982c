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

"""The driver's real-time XML on a real libvirtd + QEMU/KVM, checked in /proc.

Each test boots a flavor through nova's in-process services with
``rtnova.RealtimeLibvirtDriver`` on a fake host shaped like this machine
(one NUMA node, CPUs 0-1, 2 MiB pages), takes the domain XML the driver
defined, adapts it only as a firmware-only test domain needs (no disk,
network or serial log file, the default CPU model, a test name) and starts
it on the real daemon. Then the live QEMU threads and memory are read from
/proc and compared with the XML: vCPU affinity = ``<vcpupin>``, real-time
vCPUs at the ``<vcpusched>`` policy/priority, the others SCHED_OTHER,
emulator and I/O threads on ``<emulatorpin>``/``<iothreadpin>``, guest RAM
on hugepages bound to the ``<numatune>`` node.

What the sandbox refuses (``<locked/>``: RLIMIT_MEMLOCK cannot be raised)
is removed from the XML only after it is detected, and named in the test's
details and output.
"""

import sys
import uuid

import fixtures
from lxml import etree
from nova.tests.fixtures import libvirt as fakelibvirt
from testtools import content

from rtnova.hardware import threads as threads_mod
from rtnova.hostfs import host_reader as probe_mod
from rtnova.virt import driver as rt_driver
from tests.functional import base as func_base
from tests.realhost import fixtures as rh
from tests import xmlcheck

PAGE_2M = 2048
GUEST_PAGES_2M = 160
# devices of nova's XML a firmware-only domain cannot have here: the disks
# and the serial log live in the fake compute's instance directory
DROPPED_DEVICES = ('disk', 'interface', 'serial', 'console')


def _cpus(spec):
    cpus = set()
    for part in spec.split(','):
        first, _sep, last = part.partition('-')
        cpus.update(range(int(first), int(last or first) + 1))
    return frozenset(cpus)


def this_host_info():
    """A fakelibvirt host like this machine: 1 node, 2 CPUs, 2 MiB pages."""
    kb_mem = 8 * 1024 * 1024
    small = (kb_mem - GUEST_PAGES_2M * PAGE_2M) // 4
    return fakelibvirt.HostInfo(
        cpu_nodes=1, cpu_sockets=1, cpu_cores=2, cpu_threads=1,
        kB_mem=kb_mem, mempages={0: fakelibvirt.create_mempages(
            [(4, small), (PAGE_2M, GUEST_PAGES_2M)])})


def adapt_for_test_host(xml, keep_locked):
    """nova's domain XML, adapted to run firmware-only on this machine.

    :returns: (xml, list of what was removed because the sandbox refuses)
    """
    tree = etree.fromstring(xml.encode())
    old_uuid = tree.findtext('uuid')
    tree = etree.fromstring(xml.replace(old_uuid, str(uuid.uuid4())).encode())
    tree.find('name').text = rh.domain_name()
    devices = tree.find('devices')
    for dev in list(devices):
        if dev.tag in DROPPED_DEVICES:
            devices.remove(dev)
    # the default CPU model: host-model does not work in this sandbox
    cpu = tree.find('cpu')
    for attr in ('mode', 'match'):
        cpu.attrib.pop(attr, None)
    refused = []
    locked = tree.find('memoryBacking/locked')
    if locked is not None and not keep_locked:
        locked.getparent().remove(locked)
        refused.append('<memoryBacking><locked/>: RLIMIT_MEMLOCK cannot be '
                       'raised in this sandbox, so libvirt could not start '
                       'the guest with locked memory')
    return etree.tostring(tree).decode(), refused


class RealtimeGuestOnKVMTest(func_base.RtnovaServersTestBase):

    def setUp(self):
        missing = rh.missing_prerequisites()
        if missing:
            self.skipTest('real libvirtd + KVM not available: missing ' +
                          '; '.join(missing))
        # before nova's harness: it forbids touching /sys, which the daemon
        # fixture needs (hugepages), and its cleanup runs after the harness'
        self.libvirtd = self.useFixture(
            rh.LibvirtdFixture(hugepages_2m=GUEST_PAGES_2M))
        self.can_lock = probe_mod.HostReader().can_raise_memlock()
        super().setUp()
        self.useFixture(fixtures.MockPatchObject(
            rt_driver.RealtimeLibvirtDriver, 'readiness_probe',
            probe_mod.HostReader(root=self.useFixture(
                fixtures.TempDir()).path)))
        self.proc = probe_mod.HostReader()
        self.verified = []
        self.addCleanup(self._report_verified)

    def _report_verified(self):
        text = '\n'.join(self.verified)
        self.addDetail('verified-on-live-threads',
                       content.text_content(text))
        sys.stdout.write('\nVERIFIED on the live QEMU process:\n%s\n' % text)

    def _boot_and_start(self, dedicated, pool, vcpus, extra_specs):
        self.start_rt_compute(dedicated=dedicated, pool=pool,
                              info=this_host_info())
        flavor = self._create_flavor(vcpu=vcpus, memory_mb=128,
                                     extra_spec=extra_specs)
        server = self._create_server(flavor_id=flavor, networks='none')
        defined = self.defined_xml(server)
        xmlcheck.check_domain_xml(defined)
        xml, refused = adapt_for_test_host(defined, self.can_lock)
        for item in refused:
            self.addDetail('sandbox-refused', content.text_content(item))
            sys.stdout.write('\nSANDBOX REFUSED (not verified): %s\n' % item)
        self.addDetail('domain-xml', content.text_content(xml))
        dom = self.libvirtd.start_domain(xml)
        return etree.fromstring(xml.encode()), self.libvirtd.qemu_pid(dom)

    def _assert_threads_follow_xml(self, tree, pid):
        threads = self.proc.process_threads(pid)
        vcpus = {t.index: t for t in threads if t.kind == threads_mod.VCPU}
        pins = {int(p.get('vcpu')): _cpus(p.get('cpuset'))
                for p in tree.findall('cputune/vcpupin')}
        self.assertEqual(set(pins), set(vcpus), 'vCPU threads')
        for vcpu, cpus in pins.items():
            self.assertEqual(cpus, vcpus[vcpu].affinity, 'vCPU %d' % vcpu)

        rt = {}
        for sched in tree.findall('cputune/vcpusched'):
            for vcpu in _cpus(sched.get('vcpus')):
                rt[vcpu] = (sched.get('scheduler'),
                            int(sched.get('priority')))
        self.assertTrue(rt, 'no <vcpusched> in the XML')
        for vcpu, thread in vcpus.items():
            self.assertEqual(rt.get(vcpu, ('other', 0)),
                             (thread.policy, thread.priority),
                             'scheduling of vCPU %d' % vcpu)

        emulator_cpus = _cpus(tree.find('cputune/emulatorpin').get('cpuset'))
        emulators = [t for t in threads if t.kind == threads_mod.EMULATOR]
        self.assertNotEqual([], emulators)
        for thread in emulators:
            self.assertEqual(emulator_cpus, thread.affinity, thread.comm)
        self.verified.append(
            '%d vCPU threads on their <vcpupin>; scheduling %s; %d emulator '
            'threads on %s' % (
                len(vcpus), sorted((v, t.policy, t.priority)
                                   for v, t in vcpus.items()),
                len(emulators), sorted(emulator_cpus)))
        for pin in tree.findall('cputune/iothreadpin'):
            iothreads = [t for t in threads
                         if t.kind == threads_mod.IOTHREAD and
                         t.index == int(pin.get('iothread'))]
            self.assertEqual(1, len(iothreads), 'I/O thread %s' %
                             pin.get('iothread'))
            self.assertEqual(_cpus(pin.get('cpuset')), iothreads[0].affinity)
            self.verified.append('I/O thread %s on %s' % (
                pin.get('iothread'), pin.get('cpuset')))
        return emulator_cpus

    def _assert_memory_follows_xml(self, tree, pid):
        page = tree.find('memoryBacking/hugepages/page')
        page_kb = int(page.get('size'))
        node = _cpus(tree.find('numatune/memnode').get('nodeset'))
        guest_kb = int(tree.findtext('memory'))
        huge = [m for m in self.proc.numa_maps(pid)
                if m.huge and m.kernelpagesize_kb == page_kb]
        self.assertNotEqual([], huge, 'no %d KiB hugepage mapping' % page_kb)
        mapped_kb = 0
        for mapping in huge:
            self.assertEqual(('bind', node),
                             (mapping.policy, mapping.policy_nodes))
            self.assertTrue(set(mapping.pages_per_node) <= node,
                            mapping.pages_per_node)
            mapped_kb += sum(mapping.pages_per_node.values()) * page_kb
        # libvirt preallocates hugepage-backed guest RAM: all of it resident
        self.assertEqual(guest_kb, mapped_kb)
        self.verified.append('%d KiB of guest RAM on %d KiB pages, bind:%s' % (
            mapped_kb, page_kb, ','.join(map(str, sorted(node)))))
        if tree.find('memoryBacking/locked') is not None:
            self.assertGreaterEqual(self.proc.locked_kb(pid), guest_kb)
            self.verified.append('guest RAM locked (VmLck)')

    def test_all_rt_guest_emulator_on_the_pool(self):
        # vCPU 0 on CPU 1 at SCHED_FIFO 12; emulator and I/O on pool CPU 0
        tree, pid = self._boot_and_start('1', '0', 1, {
            'hw:cpu_policy': 'dedicated',
            'hw:cpu_realtime': 'yes',
            'hw:cpu_realtime_priority': '12',
            'hw:emulator_threads_policy': 'share',
            'hw:mem_page_size': '2MB',
            'resources:CUSTOM_RT_EMULATOR_POOL': '1'})
        self.assertEqual({'vcpus': '0', 'scheduler': 'fifo',
                          'priority': '12'},
                         dict(tree.find('cputune/vcpusched').attrib))
        emulator = self._assert_threads_follow_xml(tree, pid)
        self.assertEqual({0}, emulator)
        self._assert_memory_follows_xml(tree, pid)

    def test_mixed_rt_guest_without_pool(self):
        # vCPU 0 non-RT (SCHED_OTHER), vCPU 1 SCHED_RR 15; no pool: the
        # emulator shares the non-RT vCPU's pCPU (nova's semantics)
        tree, pid = self._boot_and_start('0-1', None, 2, {
            'hw:cpu_policy': 'dedicated',
            'hw:cpu_realtime': 'yes',
            'hw:cpu_realtime_mask': '^0',
            'hw:cpu_realtime_policy': 'rr',
            'hw:cpu_realtime_priority': '15',
            'hw:mem_page_size': '2MB'})
        emulator = self._assert_threads_follow_xml(tree, pid)
        vcpu0 = _cpus(tree.find("cputune/vcpupin[@vcpu='0']").get('cpuset'))
        self.assertEqual(vcpu0, emulator)
        self._assert_memory_follows_xml(tree, pid)
