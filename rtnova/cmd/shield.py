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

"""rtnova-shield: keep the host's work off the dedicated CPUs, at run time.

    rtnova-shield --dedicated 4-11            apply (again: moves newcomers)
    rtnova-shield --dedicated 4-11 --check    what still runs there, and why
    rtnova-shield --undo                      restore what the shield changed

Exit codes: 0 done (``--check``: nothing left to move), 1 ``--check``
found work the shield should keep off, 2 bad input or a host the shield
cannot work on. Bad input changes nothing; a write the kernel refuses
midway leaves the state file saying what changed, for ``--undo``.
"""

import argparse
import sys

from rtnova.cmd import console
from rtnova.hardware import cpuset
from rtnova.hardware import errors
from rtnova.shield import apply as apply_mod
from rtnova.shield import check as check_mod
from rtnova.shield import shield_host as host_mod
from rtnova.shield import state as state_mod

DONE, FOUND, BAD_INPUT = 0, 1, 2


def build_parser():
    parser = argparse.ArgumentParser(
        prog='rtnova-shield',
        description='Move every movable task, IRQ and unbound kernel work '
                    'off the dedicated CPUs and keep new tasks off them, '
                    'without a reboot; --undo restores what it changed.')
    parser.add_argument('--dedicated', metavar='CPUS',
                        help='the dedicated CPUs ([compute] '
                        'cpu_dedicated_set), e.g. 4-11')
    action = parser.add_mutually_exclusive_group()
    action.add_argument('--check', action='store_true',
                        help='report what still runs on the dedicated CPUs '
                        'and why; change nothing')
    action.add_argument('--undo', action='store_true',
                        help='restore everything the shield changed')
    parser.add_argument('--state-file', default=state_mod.DEFAULT_PATH,
                        help='where the shield records what it changed '
                        '(default: %(default)s)')
    return parser


def _dedicated(args, saved):
    if args.dedicated is None:
        if args.check and saved:
            return frozenset(saved['dedicated'])
        raise errors.InvalidHostConfig(
            '--dedicated', 'missing', 'name the dedicated CPUs, e.g. '
            '--dedicated 4-11 (nova.conf [compute] cpu_dedicated_set)')
    return frozenset(cpuset.parse_cpu_option(args.dedicated, '--dedicated'))


def run(args, host, out):
    saved = state_mod.load(args.state_file)
    if args.undo:
        lines, code = apply_mod.undo(host, args.state_file), DONE
    elif args.check:
        lines, found = check_mod.check(host, _dedicated(args, saved), saved)
        code = FOUND if found else DONE
    else:
        lines = apply_mod.apply(host, _dedicated(args, saved),
                                args.state_file)
        code = DONE
    for line in lines:
        out.write(line + '\n')
    return code


@console.quiet_on_closed_pipe
def main(argv=None, out=None, err=None, host=None):
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        return run(args, host or host_mod.ShieldHost(), out)
    except (errors.RtnovaError, ValueError) as exc:
        err.write('rtnova-shield: %s\n' % exc)
        return BAD_INPUT
    except OSError as exc:
        err.write('rtnova-shield: %s (run as root; --state-file names a '
                  'writable place)\n' % exc)
        return BAD_INPUT


if __name__ == '__main__':
    sys.exit(main())
