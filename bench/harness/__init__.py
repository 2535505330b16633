"""What every benchmark needs, so the scripts in ``bench/`` only hold what they measure.

``server`` starts and stops the real product, ``accounts`` seeds and signs in agents,
``process`` reads CPU and attaches py-spy, ``report`` prints percentiles and the header,
``baselines`` and ``broadcast`` measure the raw parts underneath in the same run.
The scripts put the repository root on ``sys.path`` before importing this package.
"""

from bench.harness.accounts import PASSWORD, login, open_desktop, seed
from bench.harness.baselines import echo_round_trips, echo_throughput, sqlite_commit_rate
from bench.harness.broadcast import VERSION, Baseline, broadcast_baseline
from bench.harness.process import (
    proc_cpu_seconds,
    run_main,
    self_cpu_seconds,
    start_profiler,
    stop_profiler,
)
from bench.harness.report import RULE, describe_machine, load_average, ms3, pct, print_header
from bench.harness.server import (
    ROOT,
    Server,
    drop_postgres,
    scratch_postgres,
    start_server,
    stop_server,
    wait_http,
)

__all__ = [
    "PASSWORD",
    "ROOT",
    "RULE",
    "VERSION",
    "Baseline",
    "Server",
    "broadcast_baseline",
    "describe_machine",
    "drop_postgres",
    "echo_round_trips",
    "echo_throughput",
    "load_average",
    "login",
    "ms3",
    "open_desktop",
    "pct",
    "print_header",
    "proc_cpu_seconds",
    "run_main",
    "scratch_postgres",
    "seed",
    "self_cpu_seconds",
    "sqlite_commit_rate",
    "start_profiler",
    "start_server",
    "stop_profiler",
    "stop_server",
    "wait_http",
]
