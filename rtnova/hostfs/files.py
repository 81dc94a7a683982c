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

"""The plumbing of the host reader: paths under the root, and the opens.

This module is the only one in rtnova that opens a file under ``/proc``
or ``/sys`` for reading (``tests/unit/test_one_host_reader.py`` keeps it
so); the subject readers beside it go through these methods.
"""

import glob
import os


class HostFiles(object):
    """Files of the host under ``root`` (``/`` on a real host).

    ``ptrace_read(pid, name, tid)`` reads the ``/proc/<pid>`` files behind
    the kernel's ptrace check (another user's memory maps); None reads them
    directly, as root or the process's owner may.
    """

    def __init__(self, root='/', ptrace_read=None):
        self.root = root
        self.ptrace_read = ptrace_read

    def path(self, relative):
        return os.path.join(self.root, str(relative).lstrip('/'))

    def read_raw(self, relative):
        """Content of a file, unstripped; raises OSError."""
        with open(self.path(relative)) as fh:
            return fh.read()

    def read_bytes(self, relative, size=-1):
        """Bytes of a file (``size`` of them at most); raises OSError."""
        with open(self.path(relative), 'rb') as fh:
            return fh.read(size)

    def read(self, relative, default=None):
        """Stripped content of a file, or ``default`` when unreadable."""
        try:
            return self.read_raw(relative).strip()
        except OSError:
            return default

    def read_int(self, relative, default=None):
        value = self.read(relative)
        try:
            return int(value)
        except (TypeError, ValueError):
            return default

    def glob(self, pattern):
        """Sorted absolute paths matching ``pattern`` under the root."""
        return sorted(glob.glob(self.path(pattern)))

    def relative(self, path):
        """``path`` (from :meth:`glob`) relative to the root again."""
        return os.path.relpath(path, self.root)

    def listdir(self, relative):
        """Names in a directory; raises OSError."""
        return os.listdir(self.path(relative))

    def readlink(self, relative):
        return os.readlink(self.path(relative))

    def exists(self, relative):
        return os.path.exists(self.path(relative))

    def isdir(self, relative):
        return os.path.isdir(self.path(relative))

    def usable(self, relative):
        """Whether this process may read and write the file."""
        return os.access(self.path(relative), os.R_OK | os.W_OK)
