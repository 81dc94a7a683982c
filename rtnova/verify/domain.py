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

"""Find a running libvirt domain and its QEMU process."""

import os
import uuid

import libvirt

from rtnova.hardware import errors
from rtnova.hostfs import host_reader

PIDFILE_DIRS = ('/run/libvirt/qemu', '/var/run/libvirt/qemu')


class VerifyError(errors.RtnovaError):
    """The domain cannot be verified (not found, not running, ...).

    The verify package's one error base, under rtnova's.
    """


def lookup(conn, name_or_uuid):
    """A domain by name, UUID or numeric id."""
    lookups = [conn.lookupByName]
    try:
        uuid.UUID(name_or_uuid)
        lookups.insert(0, conn.lookupByUUIDString)
    except ValueError:
        pass
    if name_or_uuid.isdigit():
        lookups.append(lambda value: conn.lookupByID(int(value)))
    for find in lookups:
        try:
            return find(name_or_uuid)
        except libvirt.libvirtError:
            continue
    raise VerifyError('no domain %r on %s (virsh -c %s list --all shows '
                      'the names)' % (name_or_uuid, conn.getURI(),
                                      conn.getURI()))


def _is_qemu_of(proc, pid, name):
    """QEMU started by libvirt carries ``-name guest=<name>,...``."""
    args = proc.process_cmdline(pid)
    for i, arg in enumerate(args[:-1]):
        if arg == b'-name':
            value = args[i + 1].decode(errors='replace')
            first = value.split(',')[0]
            return first in ('guest=%s' % name, name)
    return False


def qemu_pid(dom, proc=None, pidfile_dirs=PIDFILE_DIRS):
    """pid of a running domain's QEMU process.

    libvirt's pidfile first, checked against QEMU's ``-name guest=`` (a
    stale pidfile could name a recycled pid); else a scan of /proc.
    """
    proc = proc or host_reader.HostReader()
    name = dom.name()
    for directory in pidfile_dirs:
        try:
            with open(os.path.join(directory, '%s.pid' % name)) as fh:
                pid = int(fh.read().strip())
        except (OSError, ValueError):
            continue
        if _is_qemu_of(proc, pid, name):
            return pid
    for pid in proc.pids():
        if _is_qemu_of(proc, pid, name):
            return pid
    raise VerifyError('cannot find the QEMU process of domain %r' % name)


def live_xml(dom):
    if not dom.isActive():
        raise VerifyError('domain %r is not running (virsh start %s)' % (
            dom.name(), dom.name()))
    return dom.XMLDesc(0)
