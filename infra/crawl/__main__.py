"""``python -m infra.crawl SOURCE --run-id ID``: crawl one source (the crawl process that ``yuqing crawl``
starts; see ``infra.crawl.process``). Settings come from ``YUQING_*`` variables and the config file, resolved
once here."""

from __future__ import annotations

import argparse
import sys
import uuid

from core.errors import YuqingError
from core.settings import load_settings
from infra.crawl.process import crawl
from infra.runtime import open_runtime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.crawl",
                                     description="Crawl one source of the county profile (started by `yuqing crawl`).")
    parser.add_argument("source", help="a [[sources]] name of the profile")
    parser.add_argument("--run-id", default="", help="id of the crawl health record (default: a new one)")
    args = parser.parse_args(argv)
    try:
        with open_runtime(load_settings()) as runtime:
            return crawl(runtime, args.source, args.run_id or uuid.uuid4().hex)
    except YuqingError as error:
        print(f"yuqing crawl: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
