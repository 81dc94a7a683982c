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
"""rtnova's errors derive from one base, so each command catches them once.

Read from the source: no class under rtnova/ derives from a built-in
exception except :class:`rtnova.hardware.errors.RtnovaError` itself (nova
adapters' errors derive from nova's exceptions, which nova reports).
"""

import ast
import builtins

from rtnova.hardware import errors
from rtnova.probe import probe_errors
from rtnova.verify import domain
from tests.unit import base
from tests.unit import source_tree

BUILTIN_ERRORS = {name for name, value in vars(builtins).items()
                  if isinstance(value, type) and
                  issubclass(value, BaseException)}
# the base itself; privsep's is an OSError on purpose (its callers treat a
# daemon that cannot start like EPERM: logged, the operation goes on)
ALLOWED = {('rtnova/hardware/errors.py', 'RtnovaError'),
           ('rtnova/privsep/access.py', 'PrivsepUnavailable')}


def _builtin_based_classes():
    for path, tree in source_tree.parsed_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(b, ast.Name) and b.id in BUILTIN_ERRORS
                    for b in node.bases):
                yield path, node.name


class ErrorBaseTest(base.TestCase):

    def test_one_base(self):
        self.assertEqual(
            [], sorted(set(_builtin_based_classes()) - ALLOWED))

    def test_package_bases_are_rtnova_errors(self):
        for cls in (probe_errors.ProbeError, probe_errors.Interrupted,
                    probe_errors.ProbeUnavailable, probe_errors.TSCError,
                    probe_errors.ProbeOutputError, domain.VerifyError,
                    errors.InvalidRequest, errors.InvalidHostConfig,
                    errors.InvalidCPUSpec):
            self.assertTrue(issubclass(cls, errors.RtnovaError), cls)
        self.assertEqual('no TSC', str(probe_errors.TSCError('no TSC')))
