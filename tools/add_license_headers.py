#!/usr/bin/env python3
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

"""Put rtnova's Apache-2.0 header at the top of its Python files.

Idempotent: files that already carry a license header, and empty files
(bare package markers, which hacking's H104 would flag once they hold only
comments), are left alone. A shebang line stays first. Run from the
repository root after merging new files: python3 tools/add_license_headers.py
(flake8's H102 reports any file it missed).
"""

import itertools
import pathlib
import subprocess

HEADER = """\
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
"""
PATHS = ['rtnova', 'tests', 'tools', 'nova/virt/rtnova.py']


def python_files():
    out = subprocess.run(
        ['git', 'ls-files', '--cached', '--others', '--exclude-standard',
         '--', *PATHS], check=True, capture_output=True, text=True).stdout
    return sorted(p for p in out.split() if p.endswith('.py'))


def has_header(lines):
    """Whether the leading comment block already holds a license."""
    top = itertools.takewhile(lambda ln: ln.startswith('#') or not ln.strip(),
                              lines)
    return any('Licensed under the Apache License' in ln for ln in top)


def main():
    changed = 0
    for name in python_files():
        path = pathlib.Path(name)
        text = path.read_text()
        lines = text.splitlines(keepends=True)
        if not text.strip() or has_header(lines):
            continue
        first = lines.pop(0) if lines[0].startswith('#!') else ''
        path.write_text(first + HEADER + '\n' + ''.join(lines))
        changed += 1
    print('headers added: %d' % changed)


if __name__ == '__main__':
    main()
