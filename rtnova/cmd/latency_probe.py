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

"""rtnova-probe: measure the latency a flavor's vCPUs get on this host.

Boots the probe guest (``rtnova/probe/probe.asm``) with the tuning the
compute driver would give the flavor here -- the planner's code, rendered
by ``rtnova.virt.guest_config`` -- runs it, optionally plants load, and
reports every vCPU's largest interruption and percentiles.

Exit codes: 0 every real-time vCPU stays under --threshold-us, 1 not,
2 bad input or this host cannot run the probe (the message says why).
"""

import argparse
import datetime
import json
import math
import sys

from oslo_config import cfg

from rtnova.cmd import console
from rtnova.cmd import plan
from rtnova.hardware import errors
from rtnova.hardware import latency_class
from rtnova.hostfs import host_reader as host_probe
from rtnova.probe import acceptance
from rtnova.probe import load as load_mod
from rtnova.probe import results
from rtnova.probe import session
from rtnova.status import platform_checks

PASSED, FAILED, CANNOT_RUN = 0, 1, 2


def build_parser():
    parser = argparse.ArgumentParser(
        prog='rtnova-probe',
        description='Boot a tiny latency probe guest with the exact '
                    'tuning the compute driver gives a flavor on this '
                    'host, and report how long each vCPU was kept from '
                    'running.')
    plan.add_flavor_arguments(parser)
    parser.add_argument('--config-file', action='append', default=[],
                        metavar='PATH', help='nova.conf with [compute] and '
                        '[rtnova] options (repeatable)')
    parser.add_argument('--connect', default='qemu:///system',
                        metavar='URI', help='libvirt URI (default: '
                        '%(default)s)')
    parser.add_argument('--seconds', type=float, default=10.0,
                        help='how long to measure (default: %(default)s)')
    parser.add_argument('--window-seconds', type=float, default=1.0,
                        help='length of one report window (default: '
                        '%(default)s)')
    parser.add_argument('--threshold-us', type=float, default=40.0,
                        help='largest acceptable interruption of a '
                        "real-time vCPU (default: %(default)s, KubeVirt's)")
    parser.add_argument('--load', choices=load_mod.KINDS, default='none',
                        help='plant load while measuring (default: none)')
    parser.add_argument('--burst-ms', type=float, default=10.0,
                        help='--load burst: SCHED_FIFO run length')
    parser.add_argument('--burst-period-ms', type=float, default=200.0,
                        help='--load burst: period')
    parser.add_argument('--burst-priority', type=int, default=50,
                        help='--load burst: SCHED_FIFO priority')
    parser.add_argument('--set-rt-runtime-us', type=int, metavar='US',
                        help='set /proc/sys/kernel/sched_rt_runtime_us to '
                        'US for the run and restore it (e.g. -1)')
    parser.add_argument('--json', action='store_true',
                        help='print the result as JSON')
    accept = parser.add_argument_group(
        'acceptance', 'publish the measured latency class as placement '
        'traits (CUSTOM_RT_LATENCY_LE_*) through a nova provider config '
        'file')
    accept.add_argument('--accept', action='store_true',
                        help='after the run, write the class traits of the '
                        'real-time vCPUs\' largest interruption (refused '
                        'on dedicated CPUs a running guest uses)')
    accept.add_argument('--accepted', action='store_true',
                        help='do not measure: show the published '
                        'acceptance and its age (exit 1 when older than '
                        '--max-age-days)')
    accept.add_argument('--provider-config-dir',
                        default=acceptance.DEFAULT_DIR, metavar='DIR',
                        help='nova\'s [compute] provider_config_location '
                        '(default: %(default)s)')
    accept.add_argument('--max-age-days', type=int, default=90,
                        help='--accepted: the oldest acceptable result '
                        '(default: %(default)s)')
    return parser


def check_args(args):
    for name in ('seconds', 'window_seconds', 'threshold_us', 'burst_ms',
                 'burst_period_ms'):
        value = getattr(args, name)
        if not math.isfinite(value) or value <= 0:
            raise ValueError('--%s must be a positive number, not %r' % (
                name.replace('_', '-'), value))
    if args.window_seconds > args.seconds:
        raise ValueError('--window-seconds (%g) is longer than --seconds '
                         '(%g)' % (args.window_seconds, args.seconds))
    if args.burst_ms >= args.burst_period_ms:
        raise ValueError('--burst-ms must be shorter than --burst-period-ms')
    if not 1 <= args.burst_priority <= 99:
        raise ValueError('--burst-priority must be 1-99 (SCHED_FIFO)')
    if args.accept and args.accepted:
        raise ValueError('--accept measures, --accepted only shows: give one')
    if args.max_age_days < 1:
        raise ValueError('--max-age-days must be 1 or more')
    value = args.set_rt_runtime_us
    if value is not None and value != -1 and not 0 <= value <= 1000000:
        raise ValueError('--set-rt-runtime-us must be -1 or 0-1000000')


def prepare(args):
    """(preview, memory MiB, host CPUs, dedicated CPUs) for this host."""
    conf = plan.load_conf(args.config_file)
    flavor = plan.load_flavor(args)
    args.this_host, args.host_file = True, None
    host = plan.load_host(args, conf)
    preview = plan.make_preview(flavor, host, conf)
    if not preview.fits:
        raise ValueError('the flavor does not fit this host: %s' %
                         preview.result.reason)
    cpus = frozenset().union(*(c.cpus for c in host.cells))
    dedicated = frozenset().union(*(c.pcpuset for c in host.cells))
    return preview, flavor['memory_mb'], cpus, dedicated


def settings_from(args):
    return session.Settings(
        seconds=args.seconds, window_seconds=args.window_seconds,
        threshold_us=args.threshold_us, load=args.load,
        burst=load_mod.Burst(args.burst_ms, args.burst_period_ms,
                             args.burst_priority),
        uri=args.connect, rt_runtime_us=args.set_rt_runtime_us,
        can_lock=host_probe.HostReader().can_raise_memlock())


def _note_hypervisor(data, probe=None):
    """rtnova-status' hypervisor note beside the figures it qualifies."""
    found = platform_checks.describe_hypervisor(
        probe or host_probe.HostReader())
    data['hypervisor'] = None
    if found:
        data['hypervisor'] = {'kind': found[0], 'meaning': found[1]}
        data['notes'].insert(0, '%s: %s' % found)


def measure(args):
    """(result data, published acceptance or None)."""
    preview, memory_mb, cpus, dedicated = prepare(args)
    settings = settings_from(args)
    conn = session.connect(settings.uri)
    try:
        # the dedicated CPUs the run measures (vCPUs on the shared set
        # float and are not what the classes sell)
        planned = dedicated & frozenset().union(*(
            frozenset(p) for _v, p in preview.plan.vcpupin))
        if args.accept:
            acceptance.refuse_busy(planned, acceptance.busy_cpus(conn))
        data = session.Run(settings, conn, preview, memory_mb, cpus,
                           dedicated).execute()
    finally:
        conn.close()
    published = (acceptance.publish(args.provider_config_dir, data, planned)
                 if args.accept else None)
    return data, published


def show_accepted(args, out):
    doc = acceptance.read(args.provider_config_dir)
    if doc is None:
        raise ValueError('no acceptance published in %s: run rtnova-probe '
                         '--accept' % args.provider_config_dir)
    out.write(accepted_text(doc))
    stale = latency_class.age_problem(
        doc, datetime.datetime.now(datetime.timezone.utc),
        datetime.timedelta(days=args.max_age_days))
    if stale:
        out.write(stale + '\n')
        return FAILED
    return PASSED


def accepted_text(doc):
    meta = doc['meta'][latency_class.META_KEY]
    traits = [t for p in doc.get('providers') or ()
              for t in p.get('traits', {}).get('additional', ())]
    return ('latency acceptance of %s: max %.1f us on CPUs %s, measured %s '
            'for %g s; traits: %s\n' % (
                meta['host'], meta['max_us'],
                ','.join(map(str, meta['dedicated_cpus'])),
                meta['measured_at'], meta['seconds'],
                ' '.join(traits) or '(none: above every class)'))


@console.quiet_on_closed_pipe
def main(argv=None, out=None, err=None):
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        check_args(args)
        if args.accepted:
            return show_accepted(args, out)
        data, published = measure(args)
    except (OSError, ValueError, KeyError, TypeError, cfg.Error,
            errors.RtnovaError) as exc:
        err.write('rtnova-probe: %s\n' % exc)
        return CANNOT_RUN
    except KeyboardInterrupt:
        # before the probe domain existed: nothing to clean up
        err.write('rtnova-probe: interrupted before the probe started\n')
        return CANNOT_RUN
    _note_hypervisor(data)
    if args.json:
        json.dump(data, out, indent=2, sort_keys=True)
        out.write('\n')
    else:
        results.write_text(data, out)
    if published:
        (err if args.json else out).write(
            'rtnova-probe: published to %s (nova-compute reads it at '
            'start): %s' % (published[0], accepted_text(published[1])))
        return PASSED
    return PASSED if data['passed'] else FAILED


if __name__ == '__main__':
    sys.exit(main())
