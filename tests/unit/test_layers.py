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

"""rtnova's packages import only downwards (doc/source/code-map.rst).

Every import statement of every module counts, those inside functions too:
a lazy import is still a dependency. A package may import packages of a
lower layer only; packages of one layer do not import each other, so there
is no cycle. A new package has to be given a layer here (and a section in
the code map) before this test passes.
"""

import ast
import os

from tests.unit import base
from tests.unit import source_tree

# lowest first
LAYERS = (
    ('hardware',),
    ('hostfs',),
    ('conf', 'domain_xml', 'privsep'),
    ('status', 'verify'),
    ('probe', 'shield'),
    ('virt', 'scheduler', 'api'),
    ('cmd',),
)
LAYER = {package: level for level, packages in enumerate(LAYERS)
         for package in packages}

# third-party top-level modules a package must not import
FORBIDDEN = {
    'hardware': ('nova', 'oslo_config', 'oslo_log', 'oslo_upgradecheck',
                 'libvirt', 'lxml'),
    'hostfs': ('nova', 'oslo_config', 'oslo_log', 'oslo_privsep', 'lxml'),
    'conf': ('nova', 'libvirt', 'lxml'),
    'domain_xml': ('nova', 'oslo_config', 'libvirt'),
    'status': ('nova',),
    'verify': ('nova', 'oslo_config'),
    'probe': ('nova',),
    'privsep': ('nova', 'libvirt', 'lxml'),
    'shield': ('nova', 'libvirt'),
}


def _imported_modules(tree):
    """Absolute dotted names of every module ``tree`` imports."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            # ``from rtnova import conf`` imports the package rtnova.conf
            for alias in node.names:
                yield '%s.%s' % (node.module, alias.name)


def imports_by_package():
    """{package: {imported name: [module path, ...]}} under rtnova/."""
    found = {}
    for path, tree in source_tree.parsed_modules():
        parts = path.split(os.sep)
        if len(parts) < 3:
            continue  # rtnova/__init__.py: the top, no package of its own
        for module in _imported_modules(tree):
            found.setdefault(parts[1], {}).setdefault(module, []).append(
                path)
    return found


class LayerTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.imports = imports_by_package()

    def test_every_package_has_a_layer(self):
        self.assertEqual([], sorted(set(self.imports) - set(LAYER)))

    def test_packages_import_only_lower_layers(self):
        wrong = []
        for package, modules in sorted(self.imports.items()):
            for module, paths in sorted(modules.items()):
                parts = module.split('.')
                if parts[0] != 'rtnova' or len(parts) < 2:
                    continue
                target = parts[1]
                if target == package or target not in LAYER:
                    continue
                if LAYER[target] >= LAYER.get(package, -1):
                    wrong.append('%s imports %s (%s)' % (
                        package, module, ', '.join(sorted(set(paths)))))
        self.assertEqual([], wrong)

    def test_no_forbidden_third_party_import(self):
        wrong = []
        for package, banned in sorted(FORBIDDEN.items()):
            for module, paths in sorted(self.imports.get(package,
                                                         {}).items()):
                if module.split('.')[0] in banned:
                    wrong.append('%s imports %s (%s)' % (
                        package, module, ', '.join(sorted(set(paths)))))
        self.assertEqual([], wrong)

    def test_the_test_sees_a_violation(self):
        # the check itself must be able to fail: an import upwards
        tree = ast.parse('from rtnova.virt import driver\n')
        self.assertIn('rtnova.virt', list(_imported_modules(tree)))
        self.assertGreater(LAYER['virt'], LAYER['status'])
