"""``python -m tests.adversarial``: run the adversarial server until interrupted."""

from __future__ import annotations

import json
import time

from .server import Adversary


def main() -> None:
    with Adversary() as adv:
        print(json.dumps(adv.describe(), indent=2), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
