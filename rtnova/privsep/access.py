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


"""How rtnova's code reaches the host: directly, or through privsep.

The verify and driver code takes a host access object and calls the same
methods whichever it is:

* :class:`HostAccess` acts in this process, under an injectable root: the
  operator's tools run as root (``rtnova-verify``), and tests on fake trees.
* :class:`PrivilegedHostAccess` sends each call to the privsep daemon of
  :data:`rtnova.privsep.context.host_pctxt`: nova-compute, which then
  behaves the same whether it runs as root or as the ``nova`` user.

Reads that every user may make (``/proc/<pid>/task/*/stat``, ``status``,
``comm``, ``/proc/irq/*/smp_affinity_list``) stay in this process either
way: the privsep daemon is for what needs its privileges.
"""

import errno
import importlib

from rtnova.hostfs import host_reader
from rtnova.privsep import host_ops


class HostAccess(object):
    """The host as this process sees it, under ``root``."""

    #: whether another user's /proc/<pid> memory maps are read through
    #: privsep
    privileged = False

    def __init__(self, root='/'):
        self.root = root

    def reader(self):
        """The host reader (``rtnova.hostfs``) of this access: under its
        root, another user's memory maps read as this access reads them.
        """
        return host_reader.HostReader(
            self.root,
            ptrace_read=self.read_process_file if self.privileged else None)

    def set_thread_affinity(self, tid, cpus):
        host_ops.set_thread_affinity(tid, sorted(cpus))

    def set_thread_scheduler(self, tid, policy, priority):
        host_ops.set_thread_scheduler(tid, policy, priority)

    def write_irq_affinity(self, irq, cpu_spec):
        host_ops.write_irq_affinity(irq, cpu_spec, self.root)

    def read_process_file(self, pid, name, tid=None):
        return host_ops.read_process_file(pid, name, tid, self.root)


class PrivilegedHostAccess(HostAccess):
    """This host (``/``), its privileged operations through privsep."""

    privileged = True

    def __init__(self):
        super().__init__('/')
        # registers [rtnova_privileged] in nova-compute (which creates one
        # when it loads the driver); oslo.privsep itself loads on first call
        importlib.import_module('rtnova.privsep.context')

    def set_thread_affinity(self, tid, cpus):
        _call('set_thread_affinity', tid, sorted(cpus))

    def set_thread_scheduler(self, tid, policy, priority):
        _call('set_thread_scheduler', tid, policy, priority)

    def write_irq_affinity(self, irq, cpu_spec):
        _call('write_irq_affinity', irq, cpu_spec)

    def read_process_file(self, pid, name, tid=None):
        return _call('read_process_file', pid, name, tid)


class PrivsepUnavailable(OSError):
    """The privsep daemon did not start: an OSError, as EPERM would be."""


def _call(name, *args):
    # Imported on first call: the operator tools import this module for
    # HostAccess, and must not pay for oslo.privsep (it imports eventlet,
    # which warns on stderr).
    from oslo_privsep import daemon
    from rtnova.privsep import host
    # The callers treat an OSError as "this host refused" (logged, the
    # operation goes on); a daemon that cannot start is the same to them,
    # with the fix named.
    try:
        return getattr(host, name)(*args)
    except daemon.FailedToDropPrivileges as exc:
        raise PrivsepUnavailable(
            errno.EPERM, 'the rtnova privsep daemon did not start (%s): '
            'allow privsep-helper in sudoers or rootwrap and check '
            '[rtnova_privileged] helper_command (see rtnova\'s privileges '
            'documentation)' % exc)
