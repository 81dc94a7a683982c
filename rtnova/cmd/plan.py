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

"""rtnova-plan: dry-run a real-time flavor on a host, before anything boots.

With no arguments it plans the seeds' ``rt1.small`` flavor on the embedded
sample host. It runs the code the real system runs: the request model nova's
API and the compute driver use, the fit the ``RealtimeFilter`` decides (and
nova's claim records), and the tuning plan and XML rendering of the
``RealtimeLibvirtDriver``.

Exit codes: 0 it fits, 1 it does not fit, 2 bad input.
"""

import argparse
import copy
import json
import re
import sys
import warnings

from nova.conf import compute as nova_compute_conf
from nova.conf import libvirt as nova_libvirt_conf
from nova import exception as nova_exception
from oslo_config import cfg

from rtnova.cmd import console
from rtnova.cmd import plan_host as hostdesc
from rtnova.cmd import plan_output
import rtnova.conf
from rtnova.conf import guest_features
from rtnova.hardware import errors
from rtnova.hardware import host_topology as host_mod
from rtnova.hardware import preview as preview_mod
from rtnova.hardware import request as request_mod
from rtnova.hardware import sample
from rtnova.hostfs import host_reader as probe_mod
from rtnova.virt import instance_request as requests

FITS, NO_FIT, BAD_INPUT = 0, 1, 2


def add_flavor_arguments(parser):
    """The flavor options (shared with rtnova-probe)."""
    flavor = parser.add_argument_group(
        'flavor (default: rt1.small; --vcpus with --ram define a new one)')
    flavor.add_argument('--flavor-file', metavar='PATH',
                        help='JSON: {"name", "vcpus", "memory_mb", '
                             '"extra_specs", "image_properties"}')
    flavor.add_argument('--vcpus', type=int, help='vCPUs of the flavor')
    flavor.add_argument('--ram', type=int, metavar='MB',
                        help='memory of the flavor in MiB')
    flavor.add_argument('--property', action='append', default=[],
                        metavar='KEY=VALUE', help='a flavor extra spec '
                        '(repeatable), e.g. hw:cpu_realtime_mask=^0; set on '
                        'the flavor, checked as nova\'s API checks it')
    flavor.add_argument('--image-property', action='append', default=[],
                        metavar='KEY=VALUE', help='an image property '
                        '(repeatable), e.g. hw_cpu_realtime_mask=^0')


def build_parser():
    parser = argparse.ArgumentParser(
        prog='rtnova-plan',
        description='Plan a (real-time) flavor on a host without booting '
                    'it: does it fit, where do its vCPUs, emulator threads '
                    'and hugepages go, what does the guest need, and which '
                    'libvirt XML would the compute driver write.')
    add_flavor_arguments(parser)
    host = parser.add_argument_group('host (default: the sample host)')
    host.add_argument('--host-file', metavar='PATH',
                      help='a JSON host description (see the operator '
                           'guide)')
    host.add_argument('--this-host', action='store_true',
                      help="this machine's NUMA nodes and hugepages, with "
                           "the CPU sets of --config-file")
    parser.add_argument('--config-file', action='append', default=[],
                        metavar='PATH', help='nova.conf with [compute] and '
                        '[rtnova] options (repeatable)')
    parser.add_argument('--json', action='store_true',
                        help='print the plan as JSON')
    return parser


def _pairs(items, what):
    result = {}
    for item in items:
        key, sep, value = item.partition('=')
        if not sep or not key:
            raise ValueError('%s %r is not KEY=VALUE' % (what, item))
        result[key.strip()] = value.strip()
    return result


def load_flavor(args):
    """The flavor to plan: --flavor-file, --vcpus/--ram, or rt1.small;
    --property and --image-property add to (or replace in) it.
    """
    new = args.vcpus is not None or args.ram is not None
    if args.flavor_file and new:
        raise ValueError('give --flavor-file or --vcpus/--ram, not both')
    if args.flavor_file:
        with open(args.flavor_file) as fh:
            flavor = json.load(fh)
        for key in ('vcpus', 'memory_mb'):
            if not isinstance(flavor.get(key), int) or flavor[key] < 1:
                raise ValueError('flavor file: %r must be a positive '
                                 'integer' % key)
    elif new:
        if not args.vcpus or args.vcpus < 1 or not args.ram or args.ram < 1:
            raise ValueError('--vcpus and --ram (positive) go together; '
                             'leave both out to modify rt1.small')
        flavor = {'name': 'flavor', 'vcpus': args.vcpus,
                  'memory_mb': args.ram}
    else:
        flavor = copy.deepcopy(sample.RT1_SMALL)
    specs = _pairs(args.property, '--property')
    if specs and not new:
        flavor['name'] = '%s (modified)' % flavor.get('name', 'flavor')
    flavor['extra_specs'] = dict(flavor.get('extra_specs') or {}, **specs)
    flavor['image_properties'] = dict(
        flavor.get('image_properties') or {},
        **_pairs(args.image_property, '--image-property'))
    check_extra_specs(flavor['extra_specs'])
    return flavor


def _api_validators():
    """nova's extra spec validators and rtnova's, imported without
    eventlet's banner.

    Their package (nova.api.validation) imports nova.context, which imports
    eventlet through futurist; eventlet prints a deprecation notice about
    nova's services that says nothing about this dry run.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
        from nova.api.validation.extra_specs import validators

        from rtnova.api import validators as rt_validators
    return validators, rt_validators.register()


def check_extra_specs(extra_specs):
    """Refuse what nova's API refuses when the flavor's extra specs are set
    (microversion 2.86 and later): nova's validators, with rtnova's own for
    its keys (what the nova.api.extra_spec_validators entry point adds).
    """
    nova_validators, ours = _api_validators()
    for key, value in sorted(extra_specs.items()):
        if not isinstance(value, str):
            raise ValueError('flavor extra spec %s: the value must be a '
                             'string, got %r' % (key, value))
        try:
            mine = [v for v in ours if re.fullmatch(v.name_regex, key)]
            if mine:
                mine[0].validate(key, value)
            else:
                nova_validators.validate(key, value)
        except nova_exception.ValidationError as exc:
            raise ValueError("flavor extra spec %s=%s: nova's API refuses "
                             "it (HTTP 400): %s" % (key, value, exc))


def load_conf(config_files):
    conf = cfg.ConfigOpts()
    nova_compute_conf.register_opts(conf)
    nova_libvirt_conf.register_opts(conf)
    rtnova.conf.register_opts(conf)
    args = []
    for path in config_files:
        args += ['--config-file', path]
    conf(args=args, project='nova', prog='rtnova-plan',
         default_config_files=[])
    return conf


def load_host(args, conf):
    if args.host_file and args.this_host:
        raise ValueError('give --host-file or --this-host, not both')
    if args.this_host:
        desc = hostdesc.this_host(probe_mod.HostReader(), conf)
    elif args.host_file:
        desc = hostdesc.load_file(args.host_file)
    else:
        desc = sample.SAMPLE_HOST
    return host_mod.from_description(desc)


def make_preview(flavor, host, conf):
    request = request_mod.build_request(
        flavor['vcpus'], flavor['memory_mb'], flavor.get('extra_specs', {}),
        flavor.get('image_properties', {}),
        limits=requests.priority_limits(conf))
    return preview_mod.preview(
        request, host, features=guest_features.latency_features(conf))


@console.quiet_on_closed_pipe
def main(argv=None, out=None, err=None):
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        conf = load_conf(args.config_file)
        flavor = load_flavor(args)
        host = load_host(args, conf)
        result = make_preview(flavor, host, conf)
    except (OSError, ValueError, KeyError, TypeError, cfg.Error,
            errors.RtnovaError) as exc:
        err.write('rtnova-plan: %s\n' % exc)
        return BAD_INPUT
    data = plan_output.to_dict(flavor, host, result)
    if args.json:
        json.dump(data, out, indent=2, sort_keys=True)
        out.write('\n')
    else:
        plan_output.write_text(data, out)
    return FITS if result.fits else NO_FIT


if __name__ == '__main__':
    sys.exit(main())
