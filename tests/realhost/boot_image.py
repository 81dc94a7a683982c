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

"""A small raw disk whose boot sector prints one line on COM1 and halts.

The end-to-end tests boot the latency probe (``rtnova.probe``) where they
read its reports; the lifecycle tests (reboot, stop/start, suspend,
restart) only need a guest that proves it ran and then leaves its
real-time vCPU idle, which the probe, spinning on rdtsc, does not. This
512-byte boot sector is that guest: SeaBIOS loads it at 0000:7C00, it
writes ``line`` to the 16550 UART at I/O port 0x3F8 (QEMU's COM1 needs no
set-up for output) and halts.
"""

SECTOR = 512
# where the MBR partition table starts
PARTITION_TABLE = 446
# 1 MiB: SeaBIOS reads no disk smaller than one cylinder (16 heads x 63
# sectors, 504 KiB); the boot sector and one data partition behind it
DISK_SECTORS = 2048
LOAD_ADDRESS = 0x7C00
COM1 = 0x3F8


def _code(message_address):
    """16-bit real-mode code: print the NUL-terminated message, halt."""
    lo, hi = message_address & 0xFF, message_address >> 8
    return bytes([
        0xFA,                       # cli
        0x31, 0xC0,                 # xor ax, ax
        0x8E, 0xD8,                 # mov ds, ax
        0xBE, lo, hi,               # mov si, message
        0xBA, COM1 & 0xFF, COM1 >> 8,   # mov dx, 0x3f8
        # next:
        0xAC,                       # lodsb
        0x84, 0xC0,                 # test al, al
        0x74, 0x03,                 # jz halt
        0xEE,                       # out dx, al
        0xEB, 0xF8,                 # jmp next
        # halt:
        0xF4,                       # hlt
        0xEB, 0xFD,                 # jmp halt
    ])


def _partition_entry(first_lba, sectors):
    """One MBR partition table entry of type 0xDA (non-file-system data).

    nova inspects every downloaded image (oslo.utils' format inspector): a
    sector ending in 0x55AA is taken for an MBR/GPT disk and refused
    ("GPT MBR has no partitions defined") unless a partition is defined.
    """
    chs = bytes([0xFE, 0xFF, 0xFF])     # beyond CHS: use the LBA fields
    return (bytes([0x00]) + chs + bytes([0xDA]) + chs +
            first_lba.to_bytes(4, 'little') + sectors.to_bytes(4, 'little'))


def boot_sector(line, disk_sectors=DISK_SECTORS):
    """A raw disk: boot code, ``line`` + CRLF, one partition, 0x55AA."""
    message = line.encode('ascii') + b'\r\n\0'
    code_len = len(_code(0))
    body = _code(LOAD_ADDRESS + code_len) + message
    if len(body) > PARTITION_TABLE:
        raise ValueError('line too long for one boot sector: %r' % line)
    table = _partition_entry(1, disk_sectors - 1) + b'\0' * 48
    sector = (body + b'\0' * (PARTITION_TABLE - len(body)) + table +
              b'\x55\xaa')
    return sector + b'\0' * (SECTOR * (disk_sectors - 1))


def guest_image(token):
    """(raw disk bytes, the line the guest prints on its serial console)."""
    line = 'rtnova real-host guest %s up' % token
    return boot_sector(line), line
