#!/usr/bin/env python3
"""pty-run.py: runs a command with some of its standard streams on
pseudo-terminals, for tests/hosts/cli/terminal.test.js; prints one JSON object:
{"code": exit status, "stdout": ..., "stderr": ...} (text, as read from the
terminal or the pipe; a terminal turns "\\n" into "\\r\\n").

    pty-run.py [--stdin tty|null|FILE|trickle:FILE] [--stdout tty|pipe]
               [--stderr tty|pipe] [--timeout S] -- COMMAND...

trickle:FILE writes FILE to the command's stdin (a pipe) in 16 pieces, a
quarter of a second apart, so that reading it takes a few seconds whatever
the machine's speed. A command still running after the timeout (default
30 s) is killed and reported with code -9.
"""
import json
import os
import pty
import select
import subprocess
import sys
import threading
import time


def main(argv):
    opts = {"--stdin": "null", "--stdout": "pipe", "--stderr": "pipe", "--timeout": "30"}
    args = argv[1:]
    while args and args[0] != "--":
        opts[args[0]] = args[1]
        args = args[2:]
    command = args[1:]
    masters, streams = {}, {}
    for name in ("stdout", "stderr"):
        if opts["--" + name] == "tty":
            master, slave = pty.openpty()
            masters[name], streams[name] = master, slave
        else:
            streams[name] = subprocess.PIPE
    stdin_spec = opts["--stdin"]
    trickle = None
    if stdin_spec == "tty":
        master, slave = pty.openpty()
        masters["stdin"], streams["stdin"] = master, slave
    elif stdin_spec == "null":
        streams["stdin"] = subprocess.DEVNULL
    elif stdin_spec.startswith("trickle:"):
        streams["stdin"] = subprocess.PIPE
        with open(stdin_spec[len("trickle:"):], "rb") as f:
            trickle = f.read()
    else:
        streams["stdin"] = open(stdin_spec, "rb")
    child = subprocess.Popen(command, stdin=streams["stdin"], stdout=streams["stdout"], stderr=streams["stderr"])
    for name in ("stdin", "stdout", "stderr"):
        if name in masters:
            os.close(streams[name])
    if trickle is not None:
        def feed():
            step = (len(trickle) + 15) // 16
            try:
                for at in range(0, len(trickle), step):
                    child.stdin.write(trickle[at:at + step])
                    child.stdin.flush()
                    time.sleep(0.25)
                child.stdin.close()
            except BrokenPipeError:
                pass
        threading.Thread(target=feed, daemon=True).start()
    out = {"stdout": b"", "stderr": b""}
    readers = {masters[n]: n for n in ("stdout", "stderr") if n in masters}
    readers.update({getattr(child, n).fileno(): n for n in ("stdout", "stderr") if n not in masters})
    deadline = time.monotonic() + float(opts["--timeout"])
    code = None
    while readers:
        if time.monotonic() > deadline:
            child.kill()
            code = -9
            break
        ready, _, _ = select.select(list(readers), [], [], 0.1)
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # a terminal whose other side closed: EIO
                data = b""
            if data:
                out[readers[fd]] += data
            else:
                del readers[fd]
    status = child.wait()
    print(json.dumps({"code": code if code is not None else status,
                      "stdout": out["stdout"].decode("utf-8", "replace"),
                      "stderr": out["stderr"].decode("utf-8", "replace")}))


if __name__ == "__main__":
    main(sys.argv)
