"""Acknowledgement-latency benchmark: `python -m tests.bench` (`make bench`), never part of `make test`.

Each app under test runs in its own process, the load generator in another, and the Slack
look-alike in the benchmark's own process; everything talks over HTTP on 127.0.0.1.
"""
