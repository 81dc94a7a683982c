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


"""rtnova's privsep context, entrypoints and host access.

The entrypoints run in this process here (``client_mode`` off, as nova's
own unit tests run theirs); tests/realhost/test_privsep_unprivileged runs
them in a real daemon for a client that is not root.
"""

import errno
import os
import subprocess
import sys
import threading

import fixtures
from oslo_config import fixture as cfg_fixture
from oslo_privsep import capabilities as caps
from oslo_rootwrap import wrapper

from rtnova.privsep import access
from rtnova.privsep import context as privsep_context
from rtnova.privsep import host
from rtnova.privsep import host_ops

from tests.unit import base
from tests.unit import test_host_process_reads as fake_procfs


class InProcess(fixtures.Fixture):
    """rtnova's entrypoints run in this process, as nova's PrivsepFixture."""

    def _setUp(self):
        self.useFixture(fixtures.MockPatchObject(
            privsep_context.host_pctxt, 'client_mode', False))


class ContextTest(base.TestCase):

    def test_capabilities_are_nice_and_ptrace_only(self):
        # What the context gives oslo.privsep. Not read back from the
        # global CONF: oslo.config's reset() (every Config fixture's
        # clean-up in an earlier test of the same worker) also drops the
        # default PrivContext set there, so that read depended on test
        # order. The real-host privsep test checks the daemon's CapEff.
        self.assertEqual((caps.CAP_SYS_NICE, caps.CAP_SYS_PTRACE),
                         privsep_context.CAPABILITIES)

    def test_every_entrypoint_belongs_to_the_context(self):
        for func in (host.set_thread_affinity, host.set_thread_scheduler,
                     host.write_irq_affinity, host.read_process_file):
            self.assertTrue(
                privsep_context.host_pctxt.is_entrypoint(func), func)

    def test_sample_config_lists_the_section(self):
        [(group, opts)] = privsep_context.list_opts()
        self.assertEqual('rtnova_privileged', group.name)
        defaults = {o.dest: o.default for o in opts}
        self.assertEqual(['CAP_SYS_NICE', 'CAP_SYS_PTRACE'],
                         defaults['capabilities'])


class HostOpsArgumentsTest(base.TestCase):
    """The daemon checks what its client sends, naming the argument."""

    def refused(self, func, *args):
        return str(self.assertRaises(ValueError, func, *args))

    def test_thread_ids(self):
        self.assertIn('tid must be an integer >= 1',
                      self.refused(host_ops.set_thread_affinity, 0, [1]))
        self.assertIn('tid', self.refused(host_ops.set_thread_affinity,
                                          True, [1]))
        self.assertIn('tid', self.refused(host_ops.set_thread_scheduler,
                                          '12', 'fifo', 10))

    def test_cpus(self):
        self.assertIn('cpus must be a non-empty list',
                      self.refused(host_ops.set_thread_affinity, 1, '0-1'))
        self.assertIn('cpus', self.refused(host_ops.set_thread_affinity,
                                           1, []))
        self.assertIn('cpu must be an integer >= 0',
                      self.refused(host_ops.set_thread_affinity, 1, [-1]))

    def test_policy_and_priority(self):
        self.assertIn('policy must be one of batch, fifo, idle, other, rr',
                      self.refused(host_ops.set_thread_scheduler, 1,
                                   'deadline', 0))
        self.assertIn('priority of policy fifo must be an integer in 1-99',
                      self.refused(host_ops.set_thread_scheduler, 1, 'fifo',
                                   100))
        self.assertIn('priority of policy other must be an integer in 0-0',
                      self.refused(host_ops.set_thread_scheduler, 1,
                                   'other', 5))

    def test_irq_and_cpu_spec(self):
        self.assertIn('irq must be an integer >= 0',
                      self.refused(host_ops.write_irq_affinity, -1, '1'))
        self.assertIn('cpu_spec', self.refused(
            host_ops.write_irq_affinity, 5, '1;reboot'))
        self.assertIn('at least one CPU', self.refused(
            host_ops.write_irq_affinity, 5, '0,^0'))

    def test_process_files_from_a_fixed_list(self):
        self.assertIn('name must be one of numa_maps, smaps_rollup, status',
                      self.refused(host_ops.read_process_file, 1,
                                   '../../etc/shadow'))
        self.assertIn('pid', self.refused(host_ops.read_process_file,
                                          '1/../2', 'status'))


class HostOpsOnTreesTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.root = self.useFixture(fixtures.TempDir()).path
        os.makedirs(os.path.join(self.root, 'proc/irq/24'))
        self.irq_file = os.path.join(self.root,
                                     'proc/irq/24/smp_affinity_list')
        with open(self.irq_file, 'w') as fh:
            fh.write('0-7,9\n')

    def test_irq_affinity_written_as_a_formatted_list(self):
        host_ops.write_irq_affinity(24, '4,5,6', self.root)
        with open(self.irq_file) as fh:
            self.assertEqual('4-6\n', fh.read())

    def test_missing_irq_is_an_error_never_a_new_file(self):
        exc = self.assertRaises(OSError, host_ops.write_irq_affinity, 25,
                                '1', self.root)
        self.assertEqual(errno.ENOENT, exc.errno)
        self.assertFalse(os.path.exists(os.path.join(self.root,
                                                     'proc/irq/25')))

    def test_process_and_thread_files(self):
        fake = self.useFixture(fake_procfs.FakeProc())
        fake.write('numa_maps', '7f00 bind:0 anon=1 N0=1\n')
        fake.add_thread(4243, 'CPU 0/KVM', '1')
        self.assertEqual('7f00 bind:0 anon=1 N0=1\n',
                         host_ops.read_process_file(4242, 'numa_maps',
                                                    root=fake.root))
        self.assertIn('Cpus_allowed_list:\t1', host_ops.read_process_file(
            4242, 'status', 4243, fake.root))


class EntrypointsInProcessTest(base.TestCase):
    """The entrypoints on this host, in this process, on its own thread."""

    def setUp(self):
        super().setUp()
        self.useFixture(InProcess())
        self.access = access.PrivilegedHostAccess()

    def test_own_thread_pinned_and_scheduled(self):
        done = threading.Event()
        worker = threading.Thread(target=done.wait)
        worker.start()
        self.addCleanup(worker.join)
        self.addCleanup(done.set)
        cpu = min(os.sched_getaffinity(0))
        self.access.set_thread_affinity(worker.native_id, {cpu})
        self.access.set_thread_scheduler(worker.native_id, 'batch', 0)
        self.assertEqual({cpu}, os.sched_getaffinity(worker.native_id))
        self.assertEqual(os.SCHED_BATCH,
                         os.sched_getscheduler(worker.native_id))

    def test_own_numa_maps_through_the_privileged_reader(self):
        proc = self.access.reader()
        self.assertEqual(self.access.read_process_file, proc.ptrace_read)
        mappings = proc.numa_maps(os.getpid())
        self.assertTrue(mappings)
        with open('/proc/self/status') as fh:
            name = fh.readline()
        self.assertEqual(name, self.access.read_process_file(
            os.getpid(), 'status').splitlines(True)[0])

    def test_bad_argument_is_refused_by_the_entrypoint(self):
        self.assertRaises(ValueError, self.access.set_thread_scheduler,
                          os.getpid(), 'fifo', 0)


class PrivilegedReaderTest(base.TestCase):

    def test_memory_maps_go_through_the_access_threads_do_not(self):
        fake = self.useFixture(fake_procfs.FakeProc())
        fake.add_thread(4242, 'qemu-system-x86', '0')
        fake.write('numa_maps', '7f00 bind:0 anon=1 N0=1\n')
        reads = []

        class Access(access.HostAccess):
            privileged = True

            def read_process_file(self, pid, name, tid=None):
                reads.append((pid, name, tid))
                return super().read_process_file(pid, name, tid)

        proc = Access(fake.root).reader()
        self.assertEqual(['7f00'], [m.address for m in proc.numa_maps(4242)])
        self.assertEqual(1, len(proc.process_threads(4242)))
        self.assertEqual([(4242, 'numa_maps', None)], reads)


class DaemonUnavailableTest(base.TestCase):

    def test_a_daemon_that_cannot_start_is_an_oserror_naming_the_fix(self):
        conf = self.useFixture(cfg_fixture.Config()).conf
        conf.set_override('helper_command', 'false',
                          group='rtnova_privileged')
        self.addCleanup(privsep_context.host_pctxt.stop)
        exc = self.assertRaises(
            access.PrivsepUnavailable,
            access.PrivilegedHostAccess().set_thread_affinity, 1, [0])
        self.assertEqual(errno.EPERM, exc.errno)
        self.assertIn('helper_command', str(exc))
        self.assertIn('sudoers', str(exc))


class HelperCommandTest(base.TestCase):
    """The command line the operator's sudoers or rootwrap has to allow."""

    def test_context_and_socket_end_the_command(self):
        sock = '/tmp/tmpabc/privsep.sock'
        self.assertEqual(
            ['--privsep_context', 'rtnova.privsep.context.host_pctxt',
             '--privsep_sock_path', sock],
            privsep_context.host_pctxt.helper_command(sock)[-4:])

    def test_nova_rootwrap_admits_it_without_a_filter_file(self):
        # nova-compute prefixes "sudo nova-rootwrap <conf>"; oslo.rootwrap
        # always adds privsep-helper to the filters it loads
        empty = self.useFixture(fixtures.TempDir()).path
        filters = wrapper.load_filters([empty])
        cmd = ['privsep-helper', '--config-file', '/etc/nova/nova.conf',
               '--privsep_context', 'rtnova.privsep.context.host_pctxt',
               '--privsep_sock_path', '/tmp/tmpabc/privsep.sock']
        matched = wrapper.match_filter(
            filters, cmd, exec_dirs=[os.path.dirname(sys.executable)])
        self.assertEqual('privsep-helper', matched.name)


class OperatorToolsTest(base.TestCase):

    def test_commands_do_not_import_oslo_privsep(self):
        # oslo.privsep imports eventlet, which warns on stderr: rtnova-verify
        # and rtnova-status act directly and print nothing of it
        code = ('import sys; import rtnova.cmd.verify, rtnova.cmd.status; '
                'print(sorted(m for m in sys.modules if m.startswith('
                '("oslo_privsep", "eventlet", "rtnova.privsep.context")) '
                'or m == "rtnova.privsep.host"))')
        out = subprocess.run([sys.executable, '-c', code], check=True,
                             capture_output=True, text=True,
                             cwd=os.path.dirname(os.path.dirname(
                                 os.path.dirname(__file__))))
        self.assertEqual(('[]\n', ''), (out.stdout, out.stderr))
