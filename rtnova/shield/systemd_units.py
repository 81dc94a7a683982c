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

"""systemd, as the shield talks to it: ``systemctl`` and nothing else.

The shield never writes a cgroup systemd owns: it asks systemd to
(``systemctl set-property --runtime UNIT AllowedCPUs=...``) and systemd
writes ``cpuset.cpus`` and enables the cpuset controller in the parents'
``cgroup.subtree_control`` itself. The runner is injectable: tests give a
fake ``systemctl`` that records its calls and keeps the properties.
"""

import subprocess

from rtnova.hardware import errors
from rtnova.hardware import shield_cgroups

_TIMEOUT = 60


class SystemctlFailed(errors.RtnovaError):
    """systemctl refused or is missing (the command exits 2)."""


def run_systemctl(argv):
    """Run ``systemctl ARGV``: (exit code, stdout, stderr)."""
    try:
        done = subprocess.run(['systemctl'] + list(argv),
                              capture_output=True, text=True,
                              timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SystemctlFailed('cannot run systemctl %s: %s'
                              % (' '.join(argv), exc))
    return done.returncode, done.stdout, done.stderr


class Systemd(object):

    def __init__(self, runner=run_systemctl):
        self.runner = runner

    def _run(self, *argv):
        code, out, err = self.runner(list(argv))
        if code != 0:
            raise SystemctlFailed(
                'systemctl %s failed (exit %d): %s' % (
                    ' '.join(argv), code,
                    (err or out).strip() or 'no message'))
        return out

    def version(self):
        """systemd's version number, or None if unreadable."""
        return shield_cgroups.parse_version(self._run('--version'))

    def allowed_cpus(self, unit):
        """``unit``'s AllowedCPUs as systemd reports it ('' = every CPU;
        None: this systemd does not know the property).
        """
        return shield_cgroups.parse_show(
            self._run('show', '-p', 'AllowedCPUs', unit))

    def set_allowed_cpus(self, unit, spec):
        """Until reboot (``--runtime``); '' gives ``unit`` every CPU."""
        self._run('set-property', '--runtime', unit, 'AllowedCPUs=%s' % spec)

    def daemon_reload(self):
        """Make systemd read the unit files and drop-ins again."""
        self._run('daemon-reload')
