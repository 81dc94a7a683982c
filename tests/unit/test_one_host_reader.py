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

"""Only ``rtnova/hostfs`` reads ``/proc`` and ``/sys`` (one owner).

A module elsewhere that names a ``/proc`` or ``/sys`` path and also reads
files itself (``open`` for reading, ``os.listdir``, ``glob``, ...) is a
second reader in the making: it fails here, with the module and line. So
does a file read outside the reader package that is not listed below with
what it reads (a read through a path helper names no path). Writers (the
shield, the privsep operations, ``probe/rt_runtime``) open for writing
only, and go through the reader for their reads.
"""

import ast
import re

from tests.unit import base
from tests.unit import source_tree

READER = 'rtnova/hostfs/'
# a path, relative ('proc/irq') or absolute, or the bare 'proc' or 'sys'
# a caller joins; messages (with spaces) are not paths
KERNEL_PATH = re.compile(r'^/?(proc|sys)(/\S*)?$')
# calls that read the file system: name -> where the mode argument is
READ_CALLS = {'open': 1, 'io.open': 1, 'os.open': 1, 'os.listdir': None,
              'os.scandir': None, 'os.walk': None, 'os.readlink': None,
              'glob.glob': None, 'glob.iglob': None}
# the files read outside rtnova/hostfs, none under /proc or /sys
OTHER_READS = {
    'rtnova/probe/acceptance.py': 'its own latency-class document',
    'rtnova/probe/image.py': 'the probe image it assembles',
    'rtnova/probe/session.py': "the probe guest's serial log",
    'rtnova/shield/state.py': "the shield's state file",
    'rtnova/cmd/plan.py': 'the --flavor-file',
    'rtnova/cmd/plan_host.py': 'the --host-file',
    'rtnova/verify/domain.py': "libvirt's pidfile under /run",
}
WRITE_MODES = re.compile(r'[wax+]|O_WRONLY|O_RDWR')


def _name(func):
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Name) and func.value.id in (
                'os', 'io', 'glob'):
            return '%s.%s' % (func.value.id, func.attr)
        return '.' + func.attr
    return None


def _reads(call):
    """Whether ``call`` reads the file system (not a write-only open)."""
    name = _name(call.func)
    if name not in READ_CALLS:
        return False
    position = READ_CALLS[name]
    if position is None:
        return True
    mode = [k.value for k in call.keywords if k.arg in ('mode', 'flags')]
    if len(call.args) > position:
        mode.append(call.args[position])
    return not any(WRITE_MODES.search(ast.unparse(m)) for m in mode)


def _docstrings(tree):
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                             ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(
                    first.value, ast.Constant):
                found.add(id(first.value))
    return found


def second_readers(modules):
    """['path:line: ...'] of modules that read /proc or /sys themselves."""
    wrong = []
    for path, tree in modules:
        if path.startswith(READER):
            continue
        docs = _docstrings(tree)
        kernel = [n for n in ast.walk(tree)
                  if isinstance(n, ast.Constant) and isinstance(n.value, str)
                  and id(n) not in docs and KERNEL_PATH.match(n.value)]
        reads = [n for n in ast.walk(tree)
                 if isinstance(n, ast.Call) and _reads(n)]
        if kernel and reads:
            wrong.append('%s:%d: names %r and reads files (line %d); read '
                         'through rtnova.hostfs' % (
                             path, kernel[0].lineno, kernel[0].value,
                             reads[0].lineno))
    return wrong


def unlisted_reads(modules):
    """['path:line'] of file reads outside the reader and the list."""
    return ['%s:%d' % (path, node.lineno) for path, tree in modules
            if not path.startswith(READER) and path not in OTHER_READS
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and _reads(node)]


class OneHostReaderTest(base.TestCase):

    def test_only_the_reader_package_reads_proc_and_sys(self):
        self.assertEqual([], second_readers(source_tree.parsed_modules()))

    def test_every_other_file_read_is_listed(self):
        self.assertEqual([], unlisted_reads(source_tree.parsed_modules()))

    def test_a_read_through_a_path_helper_is_found(self):
        # what verify's kernel-thread scan did before the reader owned it
        tree = ast.parse("def f(proc, pid):\n"
                         "    return open(proc.path(pid, 'comm')).read()\n")
        self.assertEqual(['rtnova/verify/x.py:2'],
                         unlisted_reads([('rtnova/verify/x.py', tree)]))
        self.assertEqual([], unlisted_reads([('rtnova/hostfs/x.py', tree)]))

    def test_the_reader_package_does_read_them(self):
        # the walk sees the reader's own opens: it would see anyone's
        modules = [(p, t) for p, t in source_tree.parsed_modules()
                   if p.startswith(READER)]
        self.assertTrue(modules)
        self.assertTrue(any(_reads(n) for _p, t in modules
                            for n in ast.walk(t) if isinstance(n, ast.Call)))

    def test_an_ad_hoc_read_is_found(self):
        for source in (
                "def f(root):\n"
                "    with open(os.path.join(root, 'proc/cmdline')) as fh:\n"
                "        return fh.read()\n",
                "PATH = '/sys/kernel/mm/ksm/run'\n"
                "def f(path=PATH):\n"
                "    return open(path, 'r').read()\n",
                "def f(proc):\n"
                "    return os.listdir(os.path.join(proc.root, 'proc'))\n"):
            found = second_readers([('rtnova/x/y.py', ast.parse(source))])
            self.assertEqual(1, len(found), source)

    def test_a_write_or_a_message_is_not_a_read(self):
        for source in (
                "def f(root):\n"
                "    with open(root + '/proc/sys/kernel/x', 'w') as fh:\n"
                "        fh.write('1')\n",
                "def f():\n"
                "    os.open('/proc/irq/1/smp_affinity_list', os.O_WRONLY)\n",
                "MSG = 'cannot read /proc/cmdline'\n"
                "def f(p):\n"
                "    return open(p).read()\n"):
            tree = ast.parse(source)
            self.assertEqual([], second_readers([('rtnova/x/y.py', tree)]),
                             source)
