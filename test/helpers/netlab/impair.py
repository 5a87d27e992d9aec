#!/usr/bin/env python3
"""Delay and loss between two TUN devices, in user space: what sch_netem would do, on a kernel
without it (this one). Node cannot open a TUN device (it needs an ioctl); Python can, and
python3 is on every machine of this kind.

Usage: impair.py NAME_A NAME_B. It creates both TUN devices in the namespace it runs in and
prints "ready"; the caller then moves one into another namespace (the open device goes with it),
gives each an address and routes through them. Every IP packet read from one is written to the
other after DELAY seconds, or dropped with probability LOSS, each direction independently; order
is kept. Each line on stdin sets "DELAY LOSS" (e.g. "0.05 0.05"); end of stdin ends it, and the
devices go with it.
"""
import fcntl
import heapq
import os
import random
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def open_tun(name):
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


def send(fd, packet):
    try:
        os.write(fd, packet)
    except OSError:
        pass  # the device is not up yet, or going: the packet is lost, as on a real link


def main():
    a, b = open_tun(sys.argv[1]), open_tun(sys.argv[2])
    print('ready', flush=True)
    delay, loss = 0.0, 0.0
    queue = []  # (due, seq, fd, packet): seq keeps order among equal due times
    seq = 0
    while True:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else None
        readable, _, _ = select.select([a, b, sys.stdin], [], [], timeout)
        for source in readable:
            if source is sys.stdin:
                line = sys.stdin.readline()
                if not line:
                    return
                delay, loss = (float(x) for x in line.split())
                continue
            target = b if source == a else a
            while True:
                try:
                    packet = os.read(source, 65535)
                except BlockingIOError:
                    break
                except OSError:
                    return  # the device went with its namespace: the lab is closing
                if random.random() < loss:
                    continue
                if delay <= 0 and not queue:
                    send(target, packet)
                else:
                    seq += 1
                    heapq.heappush(queue, (time.monotonic() + delay, seq, target, packet))
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, target, packet = heapq.heappop(queue)
            send(target, packet)


main()
