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

"""Errors of the pure core.

Every refusal names what to change: the extra spec or image property
(``key``) or the configuration option (``option``), and how to fix it. The
nova adapters turn these into nova's own exceptions (HTTP 400 at the API, a
fault message at boot, a refused service start on the compute node).
"""


class RtnovaError(Exception):
    """Base class of every rtnova error."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


class InvalidCPUSpec(RtnovaError):
    def __init__(self, spec, detail):
        super().__init__("Invalid CPU set %r: %s. Use nova's syntax, e.g. "
                         "'0-3', '^0-1' or '2,4-5'." % (spec, detail))
        self.spec = spec


class InvalidRequest(RtnovaError):
    """A flavor extra spec / image property (combination) is refused."""

    def __init__(self, key, problem, fix):
        super().__init__("%s: %s. Fix: %s" % (key, problem, fix))
        self.key = key
        self.problem = problem
        self.fix = fix


class InvalidHostConfig(RtnovaError):
    """The host's configuration cannot run real-time guests safely."""

    def __init__(self, option, problem, fix):
        super().__init__("%s: %s. Fix: %s" % (option, problem, fix))
        self.option = option
        self.problem = problem
        self.fix = fix
