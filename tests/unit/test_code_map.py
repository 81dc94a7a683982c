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

"""doc/source/code-map.rst lists every module of the package, and no other."""

import os
import re

from tests.unit import base

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def _modules():
    found = set()
    for package in ('rtnova', os.path.join('nova', 'virt')):
        for root, _dirs, files in os.walk(os.path.join(TOP, package)):
            for name in files:
                if name.endswith(('.py', '.asm')) and name != '__init__.py':
                    found.add(os.path.relpath(os.path.join(root, name), TOP))
    return found


class CodeMapTest(base.TestCase):

    def test_every_module_has_one_line(self):
        with open(os.path.join(TOP, 'doc', 'source', 'code-map.rst')) as fh:
            text = fh.read()
        listed = re.findall(r'^- ``([\w/.]+)`` -- \S', text, re.M)
        self.assertEqual(len(listed), len(set(listed)), 'listed twice')
        self.assertEqual(sorted(_modules()), sorted(listed))

    def test_no_module_file_name_twice(self):
        names = [os.path.basename(m) for m in _modules()
                 if m.startswith('rtnova')]
        self.assertEqual(sorted(set(names)), sorted(names))
