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

"""rtnova-verify on real KVM domains: all match, then a taskset drift."""

import json
import os
import shutil
import subprocess
import sys

from rtnova.hardware import threads as threads_mod
from rtnova.hostfs import host_reader
from rtnova.verify import readback

from tests.realhost import fixtures as rh

# vCPU 0 real-time on CPU 1; vCPU 1, emulator and I/O thread on CPU 0;
# guest RAM on 2 MiB pages bound to node 0 (these machines have 2 CPUs and
# one NUMA node).
CPUTUNE = """<cputune>
  <vcpupin vcpu='0' cpuset='1'/>
  <vcpupin vcpu='1' cpuset='0'/>
  <emulatorpin cpuset='0'/>
  <iothreadpin iothread='1' cpuset='0'/>
  <vcpusched vcpus='0' scheduler='fifo' priority='10'/>
  <iothreadsched iothreads='1' scheduler='fifo' priority='2'/>
</cputune>"""
NUMATUNE = "<numatune><memory mode='strict' nodeset='0'/></numatune>"
MEMORY_BACKING = """<memoryBacking>
  <hugepages><page size='2048' unit='KiB' nodeset='0'/></hugepages>
  <nosharepages/>
</memoryBacking>"""


def _command():
    """The installed rtnova-verify next to this Python."""
    path = os.path.join(os.path.dirname(sys.executable), 'rtnova-verify')
    return [path] if os.path.exists(path) else [shutil.which(
        'rtnova-verify')]


def _allow_cpus(tid, cpus):
    """Let a thread's cpuset cgroup (if libvirt made one) hold ``cpus``.

    libvirt puts each vCPU in a cpuset cgroup holding only its pinned CPUs,
    where sched_setaffinity() to any other CPU fails with EINVAL; widening
    it is what ``virsh vcpupin --live`` does before moving the thread.
    """
    with open('/proc/%d/cgroup' % tid) as fh:
        for line in fh:
            _, controllers, path = line.strip().split(':', 2)
            if 'cpuset' in controllers.split(',') and path != '/':
                with open('/sys/fs/cgroup/cpuset%s/cpuset.cpus' % path,
                          'w') as cg:
                    cg.write(cpus)


def start_guest(libvirtd):
    """(name, domain, QEMU pid) of the test guest started on ``libvirtd``."""
    name = rh.domain_name()
    dom = libvirtd.start_domain(rh.firmware_domain_xml(
        name, vcpus=2, memory_mib=64, cputune=CPUTUNE, numatune=NUMATUNE,
        memory_backing=MEMORY_BACKING, iothreads=1, numa_cell=True))
    return name, dom, libvirtd.qemu_pid(dom)


class TestVerifyRealDomain(rh.RealHostTestCase):

    def setUp(self):
        super().setUp()
        self.name, self.dom, self.pid = start_guest(self.libvirtd)
        # the compute driver places a real-time guest's kvm-pit thread after
        # every start; rtnova-verify checks it (kernel_threads)
        self.assertEqual([], readback.place_threads(self.dom))

    def _verify(self, *args):
        # the fixture's private daemon: its socket, and its pidfiles
        connect = ['--connect', self.libvirtd.uri,
                   '--pidfile-dir', self.libvirtd.daemon.qemu_pid_dir]
        proc = subprocess.run(_command() + connect + list(args),
                              capture_output=True,
                              text=True, timeout=60)
        return proc.returncode, proc.stdout, proc.stderr

    def _facts(self, name_or_uuid):
        code, out, err = self._verify('--json', name_or_uuid)
        return code, json.loads(out)

    def test_all_facts_match(self):
        code, report = self._facts(self.name)

        self.assertEqual(0, code, report)
        self.assertEqual('match', report['status'])
        self.assertEqual(self.pid, report['pid'])
        facts = {(f['subject'].split(' (')[0], f['aspect']): f
                 for f in report['facts']}
        self.assertEqual('1', facts[('vCPU 0', 'affinity')]['actual'])
        self.assertEqual('fifo:10', facts[('vCPU 0', 'scheduling')]['actual'])
        self.assertEqual('0', facts[('vCPU 1', 'affinity')]['actual'])
        self.assertEqual('other', facts[('vCPU 1', 'scheduling')]['actual'])
        self.assertEqual('fifo:2',
                         facts[('I/O thread 1', 'scheduling')]['actual'])
        self.assertIn(('guest RAM', 'hugepage backing'), facts)
        self.assertIn('2048 KiB hugepages',
                      facts[('guest RAM', 'hugepage backing')]['actual'])
        self.assertIn(('guest RAM', 'NUMA binding'), facts)
        self.assertTrue(any(s.startswith('emulator thread')
                            for s, _ in facts))
        self.assertEqual('fifo:11', facts[('kvm-pit', 'scheduling')]['actual'])
        self.assertEqual('1', facts[('kvm-pit', 'affinity')]['actual'])
        self.assertTrue(all(f['status'] == 'match' for f in report['facts']))

    def test_lookup_by_uuid_and_text_output(self):
        code, out, err = self._verify(self.dom.UUIDString())

        self.assertEqual(0, code, err)
        self.assertIn('Domain %s (QEMU pid %d)' % (self.name, self.pid), out)
        self.assertIn(' 0 drifted', out)

    def test_taskset_drift_is_reported(self):
        vcpu0 = [t for t in host_reader.HostReader().process_threads(self.pid)
                 if t.kind == threads_mod.VCPU and t.index == 0][0]
        _allow_cpus(vcpu0.tid, '0-1')
        subprocess.run(['taskset', '-p', '-c', '0', str(vcpu0.tid)],
                       check=True, capture_output=True)

        code, report = self._facts(self.name)

        self.assertEqual(1, code, report)
        self.assertEqual('drift', report['status'])
        drifted = [f for f in report['facts'] if f['status'] == 'drift']
        self.assertEqual(1, len(drifted), drifted)
        self.assertEqual('vCPU 0 (tid %d)' % vcpu0.tid, drifted[0]['subject'])
        self.assertEqual('affinity', drifted[0]['aspect'])
        self.assertEqual(('1', '0'), (drifted[0]['expected'],
                                      drifted[0]['actual']))
        code, out, _ = self._verify(self.name)
        self.assertEqual(1, code)
        self.assertIn('DRIFT', out)

    def test_unknown_domain_is_a_clear_error(self):
        code, out, err = self._verify('rtnova-test-no-such-domain')

        self.assertEqual(2, code)
        self.assertIn("no domain 'rtnova-test-no-such-domain'", err)
        self.assertNotIn('Traceback', err)


class TestThreadContextWithoutCpusetCgroup(rh.RealHostTestCase):
    """A hugepage guest whose QEMU has no cpuset cgroup.

    libvirt 9 starts QEMU with a thread-context object (``TC
    tc-ram-node0``) that pre-allocates the guest's hugepages on the bound
    node, with that whole node as its affinity. It pins only QEMU's main
    thread itself and counts on the emulator cpuset cgroup for the rest;
    without that cgroup (the deployment tier's hosts, a libvirtd without
    the cpuset controller) the thread-context stays on the real-time pCPU
    until the driver's post-start steps move it.
    """

    def setUp(self):
        super().setUp()
        self.own = self.useFixture(rh.LibvirtdFixture(
            own_daemon=True, without_cpuset=True))
        self.name, self.dom, self.pid = start_guest(self.own)

    def _thread_contexts(self):
        return [t for t in host_reader.HostReader().process_threads(
            self.pid) if t.comm.startswith('TC ')]

    def test_post_start_moves_the_thread_context_to_the_emulator_pin(self):
        # what libvirt left: the thread-context on the node's CPUs, and the
        # read-back names it
        contexts = self._thread_contexts()
        self.assertTrue(contexts, 'QEMU started no thread-context thread')
        all_cpus = frozenset(range(os.cpu_count()))
        self.assertEqual([all_cpus] * len(contexts),
                         [t.affinity for t in contexts])
        drifted = readback.read_back(self.dom)[3]
        self.assertEqual(
            sorted('emulator thread %d (%s)' % (t.tid, t.comm)
                   for t in contexts),
            sorted(f.subject for f in drifted if f.subject.startswith(
                'emulator thread')))

        self.assertEqual([], readback.place_threads(self.dom))

        self.assertEqual([frozenset({0})] * len(contexts),
                         [t.affinity for t in self._thread_contexts()])
        proc = subprocess.run(
            _command() + ['--connect', self.own.uri, '--pidfile-dir',
                          self.own.daemon.qemu_pid_dir, '--json', self.name],
            capture_output=True, text=True, timeout=60)
        report = json.loads(proc.stdout)
        self.assertEqual((0, 'match'), (proc.returncode, report['status']),
                         report)
        self.assertEqual('0', [f for f in report['facts'] if f['subject'] ==
                               'emulator thread %d (%s)' % (
                                   contexts[0].tid, contexts[0].comm)
                               and f['aspect'] == 'affinity'][0]['actual'])
