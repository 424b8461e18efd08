"""``python -m tests.simulator``: start the vendor simulator and print where it listens."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile

from .server import Simulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--http-port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--https-port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--mtls-port", type=int, default=0, help="HTTPS requiring a client certificate")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")
    parser.add_argument("--state-dir", default=None, help="where the generated CA (ca.pem) is written")
    parser.add_argument("--info-file", default=None, help="also write the listen addresses here as JSON")
    args = parser.parse_args(argv)
    state_dir = args.state_dir or tempfile.mkdtemp(prefix="actiongate-sim-")
    sim = Simulator(state_dir=state_dir, host=args.host, http_port=args.http_port,
                    https_port=args.https_port, mtls_port=args.mtls_port, speed=args.speed).start()
    info = json.dumps(sim.describe())
    if args.info_file:
        with open(args.info_file + ".tmp", "w", encoding="utf-8") as handle:
            handle.write(info)
        os.replace(args.info_file + ".tmp", args.info_file)
    print(info, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
