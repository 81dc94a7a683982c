"""rtnova-plan: dry-run a real-time flavor on a host.

With no arguments it plans the seeds' ``rt1.small`` flavor on the embedded
sample host.
"""

import argparse
import json
import sys

from rtnova.hardware import cpuset
from rtnova.hardware import errors
from rtnova.hardware import host as host_mod
from rtnova.hardware import sample


def _host_summary(host):
    cells = []
    for cell in host.cells:
        cells.append({
            'id': cell.id,
            'cpus': cpuset.format_cpu_spec(cell.cpus),
            'dedicated': cpuset.format_cpu_spec(cell.pcpuset),
            'emulator_pool': cpuset.format_cpu_spec(
                cell.cpus & host.emulator_pool),
            'memory_mb': cell.memory_mb,
            'hugepages': {str(p.size_kb): p.free for p in cell.mempages
                          if p.size_kb > 4},
        })
    return {
        'name': host.name,
        'cells': cells,
        'emulator_pool': cpuset.format_cpu_spec(host.emulator_pool),
        'emulator_pool_capacity': host.pool_capacity,
        'kernel_cmdline': host.kernel_cmdline,
    }


def _print_host(summary, out):
    out.write('Host %s\n' % summary['name'])
    for cell in summary['cells']:
        pages = ', '.join('%s x %s KiB' % (n, size)
                          for size, n in cell['hugepages'].items()) or 'none'
        out.write('  NUMA node %(id)s: CPUs %(cpus)s, dedicated '
                  '%(dedicated)s, emulator pool %(pool)s, %(mem)s MiB, '
                  'free hugepages: %(pages)s\n' % {
                      'id': cell['id'], 'cpus': cell['cpus'],
                      'dedicated': cell['dedicated'] or '-',
                      'pool': cell['emulator_pool'] or '-',
                      'mem': cell['memory_mb'], 'pages': pages})
    out.write('  emulator pool: %s (capacity %d guests)\n' % (
        summary['emulator_pool'] or 'none',
        summary['emulator_pool_capacity']))


def build_parser():
    parser = argparse.ArgumentParser(
        prog='rtnova-plan',
        description='Plan a real-time flavor on a host without booting it.')
    parser.add_argument('--host-file', metavar='PATH',
                        help='a JSON host description (default: the '
                             'embedded sample host)')
    parser.add_argument('--json', action='store_true',
                        help='print the plan as JSON')
    return parser


def load_host(path):
    if not path:
        return host_mod.from_description(sample.SAMPLE_HOST)
    with open(path) as fh:
        return host_mod.from_description(json.load(fh))


def main(argv=None, out=None):
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    try:
        host = load_host(args.host_file)
    except (OSError, ValueError, KeyError, errors.RtnovaError) as exc:
        sys.stderr.write('rtnova-plan: cannot load host: %s\n' % exc)
        return 2
    summary = _host_summary(host)
    if args.json:
        json.dump({'host': summary}, out, indent=2, sort_keys=True)
        out.write('\n')
    else:
        _print_host(summary, out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
