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

"""rtnova-status: is this host ready for real-time guests?

In the style of ``nova-status upgrade check``: a table of checks, each
Success, Warning or Failure with details and a one-line fix; ``--json`` for
machines. Exit code 0 when every check succeeds, 1 when the worst is a
warning, 2 when any check fails (and 2 for an unusable nova.conf).

It reads nova.conf (``--config-file``, else nova's usual locations) for
``[compute] cpu_dedicated_set`` (or ``[DEFAULT] vcpu_pin_set``),
``[compute] cpu_shared_set`` and ``[rtnova] emulator_pin_set``.
"""

import json
import sys
import textwrap

from nova.conf import compute as nova_compute_conf
from nova.conf import libvirt as nova_libvirt_conf
from oslo_config import cfg
from oslo_upgradecheck import upgradecheck
import prettytable

from rtnova.cmd import console
from rtnova.hardware import errors
from rtnova.hostfs import host_reader as probe_mod
from rtnova.status import checks
from rtnova.status import readiness

import rtnova.conf

TITLE = 'rtnova host readiness'
# prettytable >= 3.12 deprecates the module constant for the enum
try:
    _HRULE_ALL = prettytable.HRuleStyle.ALL
except AttributeError:  # pragma: no cover - prettytable < 3.12
    _HRULE_ALL = prettytable.ALL
CLI_OPTS = [
    cfg.BoolOpt('json', default=False,
                help='Print the results as JSON instead of a table.'),
    cfg.StrOpt('root', default='/',
               help='Read /proc, /sys, /etc and /dev under this directory '
                    '(a mounted host image, or a test tree).'),
]


def make_conf():
    conf = cfg.ConfigOpts()
    nova_compute_conf.register_opts(conf)
    # [libvirt] realtime_scheduler_priority: the default priority's fallback
    nova_libvirt_conf.register_opts(conf)
    rtnova.conf.register_opts(conf)
    conf.register_cli_opts(CLI_OPTS)
    return conf


def _wrap(text, width=68):
    return '\n'.join(textwrap.wrap(text, width, subsequent_indent='  '))


def render_table(results):
    table = prettytable.PrettyTable([TITLE], hrules=_HRULE_ALL)
    table.align = 'l'
    for result in results:
        cell = 'Check: %s%s\nResult: %s\nDetails: %s' % (
            result.title, ' (critical)' if result.critical else '',
            upgradecheck.UPGRADE_CHECK_MSG_MAP[result.code],
            _wrap(result.details))
        if result.fix:
            cell += '\nFix: %s' % _wrap(result.fix)
        table.add_row([cell])
    return table.get_string()


def report(results, config_files):
    code = checks.overall_code(results)
    return {
        'name': TITLE,
        'config_files': list(config_files),
        'code': int(code),
        'result': upgradecheck.UPGRADE_CHECK_MSG_MAP[code],
        'ready': not any(r.critical and r.code == checks.FAILURE
                         for r in results),
        'checks': [r.to_dict() for r in results],
    }


def _error(message, as_json, out, err):
    if as_json:
        json.dump({'name': TITLE, 'error': message}, out, indent=2)
        out.write('\n')
    err.write('rtnova-status: %s\n' % message)
    return int(checks.FAILURE)


@console.quiet_on_closed_pipe
def main(argv=None, probe=None, out=None, err=None):
    out = out or sys.stdout
    err = err or sys.stderr
    conf = make_conf()
    argv = sys.argv[1:] if argv is None else argv
    try:
        conf(args=argv, project='nova', prog='rtnova-status',
             description='Check that this host is ready for real-time '
                         'guests.')
    except cfg.Error as exc:
        return _error('cannot read the configuration: %s' % exc,
                      '--json' in argv, out, err)
    probe = probe or probe_mod.HostReader(conf.root)
    try:
        results = readiness.evaluate(conf, probe)
    except errors.RtnovaError as exc:
        return _error(str(exc), conf.json, out, err)
    except (cfg.Error, ValueError) as exc:
        return _error('invalid configuration: %s' % exc, conf.json, out,
                      err)
    data = report(results, conf.config_file)
    if conf.json:
        json.dump(data, out, indent=2)
        out.write('\n')
    else:
        out.write(render_table(results) + '\n')
        out.write('Real-time ready (%s): %s\n' % (
            readiness.TRAIT, 'yes' if data['ready'] else 'no'))
    return data['code']


if __name__ == '__main__':
    sys.exit(main())
