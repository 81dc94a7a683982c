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
"""The probe's errors: one base, :class:`ProbeError`, under rtnova's.

``rtnova-probe`` catches :class:`rtnova.hardware.errors.RtnovaError` once and
exits 2 with the message; each message names what this host lacks or what
went wrong, and what to do.
"""

from rtnova.hardware import errors


class ProbeError(errors.RtnovaError):
    """The probe cannot run here, or did not report; exit code 2."""


class Interrupted(ProbeError):
    """SIGINT/SIGTERM during a run."""


class ProbeUnavailable(ProbeError):
    """This host cannot build or boot the probe; the message names why."""


class TSCError(ProbeError):
    """No usable TSC frequency; the message says why."""


class ProbeOutputError(ProbeError):
    """A probe line that does not parse."""


class AcceptanceError(ProbeError):
    """The acceptance cannot run or be published (exit code 2)."""
