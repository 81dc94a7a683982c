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

"""The driver's guest start paths are one list, in the driver only.

Read from the source (importing nova's libvirt driver is the functional
tests' business): every nova call after which a guest's QEMU runs on this
host ends in ``_guest_started`` (PCI interrupt steering, then the
read-back), and no other class under rtnova/virt overrides one of them,
so the order cannot come from class bases again.
"""

import ast
import os

from tests.unit import base

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
VIRT = os.path.join(TOP, 'rtnova', 'virt')
START_PATHS = {'spawn', 'resume', 'power_on', 'resume_state_on_host_boot',
               'finish_migration', 'finish_revert_migration',
               'post_live_migration_at_destination', 'reboot'}


def _methods(path):
    with open(path) as fh:
        tree = ast.parse(fh.read(), path)
    for cls in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
        for node in cls.body:
            if isinstance(node, ast.FunctionDef):
                yield cls.name, node


def _calls(function, name):
    return any(isinstance(n, ast.Attribute) and n.attr == name
               for n in ast.walk(function))


class StartPathsTest(base.TestCase):

    def test_every_start_path_ends_in_guest_started(self):
        found = {fn.name for cls, fn in _methods(os.path.join(VIRT,
                                                              'driver.py'))
                 if cls == 'RealtimeLibvirtDriver' and
                 _calls(fn, '_guest_started')}
        self.assertEqual(sorted(START_PATHS), sorted(found))

    def test_no_other_virt_class_overrides_a_start_path(self):
        others = []
        for name in sorted(os.listdir(VIRT)):
            if not name.endswith('.py') or name == 'driver.py':
                continue
            others.extend('%s.%s.%s' % (name, cls, fn.name)
                          for cls, fn in _methods(os.path.join(VIRT, name))
                          if fn.name in START_PATHS | {'init_host',
                                                       'cleanup'})
        self.assertEqual([], others)
