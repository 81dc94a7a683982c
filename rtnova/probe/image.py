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

"""Build the probe guest from ``probe.asm`` and write its raw disk.

The source is assembled with nasm at first use into a cache directory,
keyed by the source's hash, so no binary is shipped or committed. The host
tells the guest two things by patching the bytes after the ``RTNPARAM``
marker of the image: the window length in TSC cycles (8 bytes) and how
many vCPUs to wait for before measuring (4 bytes).
"""

import hashlib
import os
import shutil
import struct
import subprocess
import tempfile

from rtnova.probe import probe_errors

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      'probe.asm')
MARKER = b'RTNPARAM'
# SeaBIOS and QEMU want a disk of whole sectors; 1 MiB (sparse) is plenty
DISK_BYTES = 1024 * 1024
# boot sector + loaded sectors: keep the guest "a few KiB at most"
MAX_IMAGE_BYTES = 8 * 1024
# MAX_CPUS of probe.asm (per-vCPU areas below 1 MiB)
MAX_VCPUS = 64


def cache_dir():
    base = (os.environ.get('RTNOVA_PROBE_CACHE') or
            os.path.join(os.environ.get('XDG_CACHE_HOME') or
                         os.path.expanduser('~/.cache'), 'rtnova'))
    return base


def find_nasm():
    nasm = shutil.which('nasm')
    if not nasm:
        raise probe_errors.ProbeUnavailable(
            'nasm is not installed: the probe guest is assembled from '
            'rtnova/probe/probe.asm at first use (apt-get install nasm; '
            'tools/install.sh installs it from bindep.txt)')
    return nasm


def build(source=SOURCE, directory=None):
    """Path of the assembled image, building it when not cached."""
    with open(source, 'rb') as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()[:16]
    directory = directory or cache_dir()
    path = os.path.join(directory, 'rtnova-probe-%s.img' % digest)
    if os.path.exists(path):
        return path
    nasm = find_nasm()
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix='.tmp')
    os.close(fd)
    try:
        proc = subprocess.run([nasm, '-f', 'bin', '-o', tmp, source],
                              capture_output=True, text=True)
        if proc.returncode:
            raise probe_errors.ProbeUnavailable(
                'nasm could not assemble %s: %s' % (
                    source, proc.stderr.strip()))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def patch_params(image, window_cycles, vcpus):
    """``image`` (bytes) with the window length and vCPU count set."""
    if not 0 < window_cycles < 2 ** 64:
        raise ValueError('window of %r TSC cycles is out of range' %
                         window_cycles)
    if not 0 < vcpus <= MAX_VCPUS:
        raise ValueError('%r vCPUs: the probe guest measures 1-%d' % (
            vcpus, MAX_VCPUS))
    offset = image.find(MARKER)
    if offset < 0:
        raise probe_errors.ProbeUnavailable(
            'the probe image has no %r marker' % MARKER)
    offset += len(MARKER)
    return (image[:offset] + struct.pack('<QI', window_cycles, vcpus) +
            image[offset + 12:])


def write_disk(image_path, dest, window_cycles, vcpus):
    """Write the raw disk the domain boots from."""
    with open(image_path, 'rb') as fh:
        image = fh.read()
    if len(image) > MAX_IMAGE_BYTES or len(image) % 512:
        raise probe_errors.ProbeUnavailable(
            '%s is %d bytes: not a small whole-sector '
            'image' % (image_path, len(image)))
    with open(dest, 'wb') as fh:
        fh.write(patch_params(image, window_cycles, vcpus))
        fh.truncate(DISK_BYTES)
    os.chmod(dest, 0o644)
    return dest
