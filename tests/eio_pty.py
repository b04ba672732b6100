#!/usr/bin/python3
"""tests/eio_pty.py - run a fakejob command with its standard input on a pseudo-terminal, feed
it two postings, wait for both results (a command reading a terminal answers each line at once),
then hang the terminal up, so that the next read fails with EIO in the middle
of the stream (Linux reports a hung-up terminal that way). Prints the command's exit status
and the number of result lines it wrote before the error.

usage: eio_pty.py OUTFILE COMMAND...   (stdout of COMMAND goes to OUTFILE)
"""
import os
import pty
import subprocess
import sys
import termios
import time

out_path, cmd = sys.argv[1], sys.argv[2:]
master, slave = pty.openpty()
attrs = termios.tcgetattr(slave)
attrs[3] &= ~termios.ECHO  # no echo: the lines are input only
termios.tcsetattr(slave, termios.TCSANOW, attrs)
with open(out_path, "wb") as out:
    proc = subprocess.Popen(cmd, stdin=slave, stdout=out, stderr=subprocess.PIPE)
os.close(slave)
lines = [
    b'{"id":"p1","title":"Clerk","description":"Filing and answering the phone."}\n',
    b'{"id":"p2","title":"Typist","description":"Typing at home, pay a deposit first."}\n',
]
for line in lines:
    os.write(master, line)
# a command reading a terminal answers each line before it waits for the next one: both results
# are written while the terminal is still open (60 s leaves room for valgrind)
deadline = time.time() + 60
while True:
    with open(out_path, "rb") as f:
        if f.read().count(b"\n") >= 2:
            break
    if time.time() > deadline:
        proc.kill()
        print("the results were not written before the terminal was hung up")
        sys.exit(1)
    time.sleep(0.05)
os.close(master)  # hang up: the next read(2) of the terminal fails with EIO
try:
    _, err = proc.communicate(timeout=120)
except subprocess.TimeoutExpired:
    proc.kill()
    print("timeout")
    sys.exit(1)
sys.stderr.write(err.decode("utf-8", "replace"))
with open(out_path, "rb") as f:
    print(proc.returncode, f.read().count(b"\n"))
