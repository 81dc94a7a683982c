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

"""``rtnova-probe --accept``: publish a host's measured latency class.

The probe run measures the flavor's vCPUs on dedicated CPUs that no
running guest uses (a busy CPU is refused: the run would disturb the
guest and measure the guest's load, not the host). The largest
interruption of its real-time vCPUs becomes cumulative class traits
(``rtnova.hardware.latency_class``), written as a nova provider config
file that nova-compute reads at start
(``[compute] provider_config_location``); the measurement's date and
length are kept in the file's ``meta``.
"""

import datetime
import os

import libvirt
import yaml

from rtnova.domain_xml import reader
from rtnova.hardware import cpuset
from rtnova.hardware import latency_class
from rtnova.probe import probe_errors

DEFAULT_DIR = '/etc/nova/provider_config'
FILE_NAME = 'rtnova-latency-acceptance.yaml'


def busy_cpus(conn):
    """{pCPU: guest name} of the pCPUs running guests pin vCPUs to."""
    busy = {}
    for dom in conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
        intent = reader.parse_domain_xml(dom.XMLDesc(0))
        for cpus in intent.vcpu_affinity.values():
            for cpu in cpus or ():
                busy.setdefault(cpu, dom.name())
    return busy


def refuse_busy(planned, busy):
    """Raise when a planned pCPU is one a running guest uses."""
    taken = {cpu: busy[cpu] for cpu in sorted(planned) if cpu in busy}
    if taken:
        raise probe_errors.AcceptanceError(
            'dedicated CPUs %s are in use by %s: an acceptance run measures '
            'free dedicated CPUs only (move or stop those guests, or accept '
            'the host before it takes guests)' % (
                cpuset.format_cpu_spec(frozenset(taken)),
                ', '.join(sorted(set(taken.values())))))


def measured_max(data):
    """The largest interruption of the run's real-time vCPUs (all vCPUs
    when the flavor has none), in microseconds.
    """
    rows = [r for r in data['vcpus'] if r['realtime']] or data['vcpus']
    values = [r['max_us'] for r in rows if r['max_us'] is not None]
    if not values:
        raise probe_errors.AcceptanceError(
            'the probe reported no maximum for any vCPU')
    return max(values)


def publish(directory, data, cpus, now=None):
    """Write the provider config file; returns (path, document)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    doc = latency_class.document(measured_max(data), now, data['seconds'],
                                 cpus, data['host'])
    try:
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, FILE_NAME)
        with open(path + '.tmp', 'w') as fh:
            fh.write('# written by rtnova-probe --accept; nova-compute reads '
                     'it at start\n')
            yaml.safe_dump(doc, fh, default_flow_style=False)
        os.replace(path + '.tmp', path)
    except OSError as exc:
        raise probe_errors.AcceptanceError(
            'cannot write %s: %s (--provider-config-dir '
            'names nova\'s [compute] '
            'provider_config_location)' % (directory, exc))
    return path, doc


def read(directory):
    """The published document, or None when there is none."""
    path = os.path.join(directory, FILE_NAME)
    try:
        with open(path) as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        return None
    except (OSError, yaml.YAMLError) as exc:
        raise probe_errors.AcceptanceError('cannot read %s: %s' % (path, exc))
