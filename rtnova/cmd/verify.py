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

"""rtnova-verify: does a running guest get what its XML asks for?

The FOSDEM demo as a command: reads the intended ``<cputune>``,
``<numatune>`` and ``<memoryBacking>`` from the domain's live XML, then the
QEMU threads and memory from /proc, and prints each fact as ``match`` or
``drift``. Exit code 0 when everything matches, 1 on any drift, 2 when the
domain cannot be verified.
"""

import argparse
import json
import sys

from rtnova.cmd import console
from rtnova.domain_xml import reader
from rtnova.hardware import errors
from rtnova.hostfs import host_reader
from rtnova.verify import compare
from rtnova.verify import domain as domain_mod
from rtnova.verify import readback

MATCH, DRIFT, ERROR = 0, 1, 2


def build_parser():
    parser = argparse.ArgumentParser(
        prog='rtnova-verify',
        description='Compare a running libvirt domain\'s vCPU, emulator and '
                    'I/O threads and guest memory with its live XML.')
    parser.add_argument('domain', help='domain name, UUID or id')
    parser.add_argument('--connect', '-c', default='qemu:///system',
                        metavar='URI',
                        help='libvirt URI (default: qemu:///system)')
    parser.add_argument('--pidfile-dir', action='append', metavar='DIR',
                        help='where libvirt writes <domain>.pid, when not '
                        'in %s (a libvirtd with another runtime '
                        'directory); repeatable. Without a pidfile the '
                        'QEMU process is found by its -name in /proc'
                        % ' or '.join(domain_mod.PIDFILE_DIRS))
    parser.add_argument('--json', action='store_true',
                        help='print the facts as JSON')
    return parser


def verify(dom, proc=None, pidfile_dirs=None):
    """(intent, pid, facts) of a running domain."""
    proc = proc or host_reader.HostReader()
    intent = reader.parse_domain_xml(domain_mod.live_xml(dom))
    pid = domain_mod.qemu_pid(dom, proc,
                              pidfile_dirs or domain_mod.PIDFILE_DIRS)
    facts = compare.compare(intent, proc.process_threads(pid),
                            proc.numa_maps(pid),
                            proc.locked_kb(pid))
    # a real-time guest's KVM kernel threads (kvm-pit, NX recovery)
    facts += readback.kvm_thread_facts(intent, proc, pid)
    return intent, pid, facts


def _print(name, pid, facts, out):
    out.write('Domain %s (QEMU pid %d)\n' % (name, pid))
    width = max((len('%s %s' % (f.subject, f.aspect)) for f in facts),
                default=0)
    for fact in facts:
        out.write('  %-5s  %-*s  expected %s, actual %s\n' % (
            'match' if fact.ok else 'DRIFT', width,
            '%s %s' % (fact.subject, fact.aspect), fact.expected,
            fact.actual))
    drifted = sum(1 for f in facts if not f.ok)
    out.write('%d facts, %d drifted\n' % (len(facts), drifted))


@console.quiet_on_closed_pipe
def main(argv=None, out=None, err=None):
    import libvirt

    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        conn = libvirt.open(args.connect)
    except libvirt.libvirtError as exc:
        err.write('rtnova-verify: cannot connect to %s: %s\n' % (
            args.connect, exc))
        return ERROR
    try:
        dom = domain_mod.lookup(conn, args.domain)
        _, pid, facts = verify(dom, pidfile_dirs=args.pidfile_dir)
        name = dom.name()
    except (errors.RtnovaError, OSError) as exc:
        err.write('rtnova-verify: %s\n' % exc)
        return ERROR
    finally:
        conn.close()
    code = MATCH if all(f.ok for f in facts) else DRIFT
    if args.json:
        json.dump({'domain': name, 'pid': pid,
                   'status': 'match' if code == MATCH else 'drift',
                   'facts': [f.to_dict() for f in facts]}, out, indent=2)
        out.write('\n')
    else:
        _print(name, pid, facts, out)
    return code


if __name__ == '__main__':
    sys.exit(main())
