"""rtnova-probe: a guest with no operating system that measures latency.

``probe.asm`` is the guest (built with nasm at first use); the modules here
build its disk, render its domain with the compute driver's tuning, run it
on libvirt, plant load and turn its serial reports into numbers.
"""
