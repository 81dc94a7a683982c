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

"""What the shield changed, kept in a file so ``--undo`` restores it.

One JSON file: the dedicated and housekeeping CPUs, how tasks are
confined and what that changed (whether the shield made its cpuset or
enabled the cgroup v2 cpuset controller; each systemd unit's AllowedCPUs
and runtime drop-in before; kernel threads' affinities before), every
kernel file it wrote with the value it found there (in the order written),
and the persistence files it created. Written
after each step, so an interrupted apply can still be undone.
"""

import datetime
import json
import os

DEFAULT_PATH = '/var/lib/rtnova/shield.json'
VERSION = 1


def new(dedicated, housekeeping, way):
    """``way``: how tasks are confined (``hardware/shield_cgroups``)."""
    return {'version': VERSION, 'dedicated': sorted(dedicated),
            'housekeeping': sorted(housekeeping), 'cgroup_way': way,
            'cpuset_created': False, 'controller_enabled': False,
            'units': [], 'affinities': [], 'files': [], 'persisted': [],
            'applied_at': datetime.datetime.now(
                datetime.timezone.utc).isoformat(timespec='seconds')}


def record_file(data, relative, original):
    """Note a kernel file's value before its first write (once)."""
    if all(path != relative for path, _ in data['files']):
        data['files'].append([relative, original])


def load(path):
    """The saved state, or None when the shield is not applied."""
    try:
        with open(path) as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ValueError('cannot read the shield state %s: %s (remove it '
                         'only if nothing is shielded)' % (path, exc))
    if data.get('version') != VERSION:
        raise ValueError('%s: unknown shield state version %r'
                         % (path, data.get('version')))
    return data


def save(path, data):
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path + '.tmp', 'w') as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
    os.replace(path + '.tmp', path)


def remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
