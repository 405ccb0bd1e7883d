"""moto's server in a process of its own, so that the emulation has its own interpreter lock.

Under a promotion burst the emulation does most of the local runtime's work (every SQS and
DynamoDB call lands here); inside the runtime's process it shared one core's worth of Python
with the gateway, the poller and the platform simulator (measured: the runtime process pinned at
~75% of a core, 17–21 msg/s handled). As its own process it runs beside them, as AWS does.

    python -m kefu_dev.local.moto_process --port 5000

Prints one line ``ready <port>`` once it listens; exits when its stdin closes (the parent died or
stopped it) or on SIGTERM, so a killed runtime leaves no emulation behind.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

SWITCH_INTERVAL_S = 0.05


def serve(port: int) -> int:
    from kefu.init_phase import end_of_init
    from kefu_dev.local.emulator import MotoServer

    # Each AWS call is a millisecond or two of Python: let a thread finish it rather than be preempted
    # every 5 ms while holding a queue's or the table writes' lock (a convoy of waiting threads).
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    server = MotoServer(port).start()
    end_of_init()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def parent_gone() -> None:
        sys.stdin.read()  # returns at EOF: the parent closed the pipe or died
        stop.set()

    threading.Thread(target=parent_gone, name="kefu-moto-parent", daemon=True).start()
    print(f"ready {port}", flush=True)
    stop.wait()
    server.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kefu_dev.local.moto_process",
                                     description="Run the local AWS emulation (moto + kefu's fixes) on a port.")
    parser.add_argument("--port", type=int, required=True, help="loopback port to listen on")
    return serve(parser.parse_args(argv).port)


if __name__ == "__main__":
    sys.exit(main())
