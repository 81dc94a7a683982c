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

"""rtnova-probe's guest output: lines, histogram buckets, percentiles."""

import os
import struct
import subprocess
import tempfile

import fixtures
from oslo_utils.imageutils import format_inspector

from rtnova.probe import histogram
from rtnova.probe import image
from rtnova.probe import probe_errors
from rtnova.probe import serial
from tests.unit import base

WINDOW = ('rtnova-probe v1 cpu=1 window=3 cycles=2100000000 samples=10000 '
          'max=21000000 hist=40960:9000,49152:989,10485760:10,'
          '20971520:1\r')


class SerialParseTest(base.TestCase):

    def test_window_line(self):
        log = serial.parse('SeaBIOS banner\n' + WINDOW + '\n')
        self.assertEqual(1, len(log.windows))
        win = log.windows[0]
        self.assertEqual((1, 3, 2100000000, 10000, 21000000),
                         (win.cpu, win.window, win.cycles, win.samples,
                          win.max_cycles))
        self.assertEqual({40960: 9000, 49152: 989, 10485760: 10,
                          20971520: 1}, win.hist)

    def test_boot_lines(self):
        log = serial.parse('rtnova-probe v1 cpu=0 up\r\n'
                           'rtnova-probe v1 cpu=1 up\r\n'
                           'rtnova-probe v1 cpus=2 window_cycles=2100\r\n')
        self.assertEqual({0, 1}, log.cpus_up)
        self.assertEqual((2, 2100), (log.cpus_started, log.window_cycles))

    def test_unfinished_last_line_is_left_for_later(self):
        log = serial.parse(WINDOW + '\n' + WINDOW[:40])
        self.assertEqual(1, len(log.windows))

    def test_garbled_probe_line_is_an_error(self):
        exc = self.assertRaises(probe_errors.ProbeOutputError, serial.parse,
                                'rtnova-probe v1 cpu=1 window=x\n')
        self.assertIn("'rtnova-probe v1 cpu=1 window=x'", str(exc))

    def test_histogram_must_add_up_to_samples(self):
        line = WINDOW.replace('samples=10000', 'samples=10001')
        exc = self.assertRaises(probe_errors.ProbeOutputError, serial.parse,
                                line + '\n')
        self.assertIn('does not add up to its 10001 samples', str(exc))

    def test_guest_error_line(self):
        log = serial.parse('rtnova-probe v1 error=disk-read\r\n')
        self.assertEqual(['disk-read'], log.errors)


class HistogramTest(base.TestCase):

    def test_bucket_bounds(self):
        # exact below 8, then four buckets per power of two
        self.assertEqual([0, 1, 7, 8, 8, 10, 12, 14, 16, 20],
                         [histogram.bucket_low(c) for c in
                          (0, 1, 7, 8, 9, 10, 13, 15, 16, 23)])
        self.assertEqual(10, histogram.bucket_high(8))
        self.assertEqual(8, histogram.bucket_high(7))
        self.assertEqual(40960 + 8192, histogram.bucket_high(40960))

    def test_every_bucket_width_at_most_a_quarter_of_its_low(self):
        for cycles in list(range(8, 5000)) + [2 ** 40 + 12345]:
            low = histogram.bucket_low(cycles)
            high = histogram.bucket_high(low)
            self.assertTrue(low <= cycles < high, cycles)
            self.assertLessEqual(high - low, low / 4)

    def test_percentiles_are_bucket_upper_bounds(self):
        hist = {40960: 9000, 49152: 989, 10485760: 10, 20971520: 1}
        # 99 % of 10,000 = 9,900 gaps: in the 49152 bucket
        self.assertEqual(57343, histogram.percentile(hist, 0.99))
        # 99.9 % = 9,990: the 10,485,760 bucket (ends at 12,582,912)
        self.assertEqual(12582911, histogram.percentile(hist, 0.999))
        # 99.99 % = 9,999: still there (9,000 + 989 + 10 = 9,999)
        self.assertEqual(12582911, histogram.percentile(hist, 0.9999))
        self.assertEqual(25165823, histogram.percentile(hist, 1.0))

    def test_percentile_capped_at_the_exact_max(self):
        hist = {40960: 9999, 20971520: 1}
        self.assertEqual(21000000,
                         histogram.percentile(hist, 1.0, 21000000))

    def test_empty_and_bad_fraction(self):
        self.assertIsNone(histogram.percentile({}, 0.5))
        self.assertRaises(ValueError, histogram.percentile, {1: 1}, 0)

    def test_merge_refuses_a_non_bucket(self):
        self.assertEqual({8: 3, 10: 1},
                         histogram.merge([{8: 1, 10: 1}, {8: 2}]))
        self.assertRaises(ValueError, histogram.merge, [{9: 1}])


class ImageTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.cache = tempfile.mkdtemp()
        self.addCleanup(subprocess.run, ['rm', '-rf', self.cache])

    def test_build_is_small_bootable_and_cached(self):
        path = image.build(directory=self.cache)
        with open(path, 'rb') as fh:
            data = fh.read()
        self.assertLessEqual(len(data), image.MAX_IMAGE_BYTES)
        self.assertEqual(b'\x55\xaa', data[510:512])
        self.assertEqual(0, len(data) % 512)
        mtime = os.stat(path).st_mtime_ns
        self.assertEqual(path, image.build(directory=self.cache))
        self.assertEqual(mtime, os.stat(path).st_mtime_ns)

    def test_disk_carries_the_window(self):
        built = image.build(directory=self.cache)
        disk = image.write_disk(built, os.path.join(self.cache, 'd.img'),
                                2100000000, 3)
        with open(disk, 'rb') as fh:
            data = fh.read()
        self.assertEqual(image.DISK_BYTES, len(data))
        at = data.find(image.MARKER) + len(image.MARKER)
        self.assertEqual((2100000000, 3),
                         struct.unpack('<QI', data[at:at + 12]))

    def test_disk_passes_novas_image_inspection(self):
        # nova runs oslo.utils' format inspector on every image it
        # downloads; an MBR signature without a partition is refused
        built = image.build(directory=self.cache)
        disk = image.write_disk(built, os.path.join(self.cache, 'd.img'),
                                2100000000, 1)
        inspector = format_inspector.detect_file_format(disk)
        inspector.safety_check()
        self.assertEqual('gpt', str(inspector))

    def test_parameters_out_of_range(self):
        built = image.build(directory=self.cache)
        dest = os.path.join(self.cache, 'd.img')
        self.assertRaises(ValueError, image.write_disk, built, dest, 0, 1)
        self.assertRaises(ValueError, image.write_disk, built, dest, 10, 0)

    def test_no_nasm_is_named(self):
        self.useFixture(fixtures.EnvironmentVariable('PATH', self.cache))
        exc = self.assertRaises(probe_errors.ProbeUnavailable, image.build,
                                directory=self.cache)
        self.assertIn('nasm is not installed', str(exc))
        self.assertIn('apt-get install nasm', str(exc))
