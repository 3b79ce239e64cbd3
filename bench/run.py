"""Load benchmark: baas against a real PocketBase on the same machine, reported as ratios.

    python bench/run.py [--records N] [--duration S] [--only baas|pocketbase]

Both servers are started in temporary directories and seeded through their API; then every
scenario is measured on one server and at once on the other (the idle one costs nothing), so a
change in background load hits both alike. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path

from load import LoadOptions, Result, background_cpu, preflight, run_wrk
from scenarios import NAMES, Scenario, build
from seed import COLLECTION, Dataset, seed
from servers import Server, running, settle
from spy import hotspots, record

SERVERS = ("baas", "pocketbase")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000, help="posts to seed (default 100000)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per scenario (default 10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load first (default 3)")
    parser.add_argument("--rounds", type=int, default=1, help="measure everything N times, keep the best (default 1)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: one core at most)")
    parser.add_argument("--only", choices=SERVERS, help="run one server only")
    parser.add_argument("--scenarios", default=",".join(NAMES), help=f"comma separated subset of {','.join(NAMES)}")
    parser.add_argument("--baas-cmd", default="baas", help='how to start baas (default "baas"; e.g. "python -m baas")')
    parser.add_argument("--pocketbase-cmd", default="pocketbase", help="the PocketBase executable")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="then replay each scenario on baas under py-spy")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write every measurement as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the data directories and server logs")
    args = parser.parse_args(argv)
    unknown = set(args.scenarios.split(",")) - set(NAMES)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    return args


def _say(text: str) -> None:
    print(text, flush=True)


def _seed_all(servers: list[Server], records: int) -> dict[str, Dataset]:
    """Seed the servers side by side: the slow part of a run, and nothing is measured yet."""
    with ThreadPoolExecutor(max_workers=len(servers)) as pool:
        datasets = dict(zip((s.name for s in servers), pool.map(lambda s: seed(s, records), servers), strict=True))
    together = ", both servers seeding at once" if len(servers) > 1 else ""
    for server in servers:
        seconds = datasets[server.name].seconds
        _say(
            f"   {server.name}: seeded {records} records through /api/batch in {seconds:.1f} s "
            f"({records / seconds:.0f} records/s{together})"
        )
        settle(server, COLLECTION)
    return datasets


def _measure(server: Server, scenario: Scenario, dataset: Dataset, options: LoadOptions) -> Result:
    failure = preflight(server.url, scenario, dataset.user_token, dataset.visible_ids)
    if failure:
        _say(f"   {scenario.name:18} {server.name:10} FAILED\n    {failure}")
        return Result(server=server.name, scenario=scenario.name, failure=failure)
    result = run_wrk(server, scenario, dataset.user_token, dataset.visible_ids, options)
    errors = f"  errors {result.errors}" if result.errors else ""
    database = f" (PostgreSQL {result.database_cpu_ms:.2f})" if result.database_cpu else ""
    _say(
        f"   {scenario.name:18} {server.name:10} {result.rps:8.0f} req/s  p50 {result.p50_ms:6.1f} ms  "
        f"p99 {result.p99_ms:6.1f} ms  server CPU {result.server_cpu_ms:5.2f} ms/req{database}{errors}"
    )
    for sample in result.error_samples:
        _say(f"    sample error response: {sample['status']} {sample['body'][:500]}")
    return result


def _profile(server: Server, scenario: Scenario, dataset: Dataset, options: LoadOptions, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    raw = out / f"{scenario.name}.txt"
    quiet = LoadOptions(duration=options.duration, warmup=0, connections=options.connections, threads=options.threads)
    token, ids = dataset.user_token, dataset.visible_ids
    record(server.pid, raw, options.duration, lambda: run_wrk(server, scenario, token, ids, quiet))
    total, own, inclusive = hotspots(raw)
    _say(f"   profile of {scenario.name}: {total} samples in {raw}")
    for name, count in own[:10]:
        _say(f"     self {100 * count / total:5.1f}%  {name}")
    for name, count in inclusive[:10]:
        _say(f"     incl {100 * count / total:5.1f}%  {name}")


def _best(results: list[Result]) -> list[Result]:
    """Per (server, scenario) the round with the most requests/s: on a shared machine, interference only slows."""
    best: dict[tuple[str, str], Result] = {}
    for result in results:
        key = (result.server, result.scenario)
        if key not in best or (not result.failure and result.rps > best[key].rps):
            best[key] = result
    return list(best.values())


def _cell(result: Result | None) -> tuple[str, str, str, str]:
    if result is None:
        return "-", "-", "-", "-"
    if result.failure:
        return "FAILED", "-", "-", "-"
    rps = f"{result.rps:,.0f}" + (" (errors)" if result.error_count else "")
    return rps, f"{result.p50_ms:.1f}", f"{result.p99_ms:.1f}", f"{result.server_cpu_ms:.2f}"


def table(results: list[Result], scenarios: list[str]) -> str:
    """A Markdown table: one row per scenario, both servers side by side, and the baas/PocketBase ratios.

    req/s ratio above 1: baas is faster. CPU ratio above 1: a baas request costs more CPU.
    """
    by_key = {(r.server, r.scenario): r for r in results}
    lines = [
        "| scenario | baas req/s | baas p50 ms | baas p99 ms | baas CPU ms/req | PocketBase req/s | PB p50 ms "
        "| PB p99 ms | PB CPU ms/req | baas/PB req/s | baas/PB CPU per req |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scenario in scenarios:
        ours, theirs = by_key.get(("baas", scenario)), by_key.get(("pocketbase", scenario))
        ratio = cost = "-"
        if ours and theirs and ours.rps and theirs.rps:
            ratio = f"{ours.rps / theirs.rps:.2f}"
        if ours and theirs and ours.server_cpu_ms and theirs.server_cpu_ms:
            cost = f"{ours.server_cpu_ms / theirs.server_cpu_ms:.1f}"
        lines.append(f"| {scenario} | " + " | ".join((*_cell(ours), *_cell(theirs), ratio, cost)) + " |")
    return "\n".join(lines)


def _run(args: argparse.Namespace, options: LoadOptions, wanted: list[str]) -> list[Result]:
    commands = {"baas": args.baas_cmd, "pocketbase": args.pocketbase_cmd}
    names = [n for n in SERVERS if args.only in (None, n)]
    results: list[Result] = []
    with ExitStack() as stack:
        servers = [stack.enter_context(running(n, commands[n], keep=args.keep)) for n in names]
        _say("   started " + ", ".join(f"{s.name} at {s.url}" for s in servers))
        datasets = _seed_all(servers, args.records)
        idle = background_cpu()
        _say(
            f"   background load before measuring: {idle:.2f} cores busy" + ("  (busy machine!)" if idle > 0.1 else "")
        )
        for round_ in range(args.rounds):
            # Alternate which server goes first, so neither always meets the other's leftovers.
            order = servers if round_ % 2 == 0 else servers[::-1]
            for name in wanted:
                for server in order:
                    scenario = next(s for s in build(COLLECTION, datasets[server.name].user_id) if s.name == name)
                    results.append(_measure(server, scenario, datasets[server.name], options))
        _say(f"   background load after measuring: {background_cpu():.2f} cores busy")
        if args.profile:
            for server in (s for s in servers if s.name == "baas"):
                for scenario in (s for s in build(COLLECTION, datasets[server.name].user_id) if s.name in wanted):
                    _profile(server, scenario, datasets[server.name], options, args.profile)
    return results


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    # A plain SIGTERM would skip the finally blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    options = LoadOptions(
        duration=args.duration, warmup=args.warmup, connections=args.connections, threads=args.threads
    )
    wanted = [s for s in NAMES if s in args.scenarios.split(",")]
    started = time.monotonic()
    results = _run(args, options, wanted)
    best = _best(results)
    _say(
        f"\nwrk -t{args.threads} -c{args.connections}, {args.warmup:.0f} s warm-up + {args.duration:.0f} s per "
        f"scenario, best of {args.rounds} round(s), {args.records} records; "
        f"total {time.monotonic() - started:.0f} s\n"
    )
    _say(table(best, wanted))
    failed = [r for r in best if r.failure or r.error_count]
    for result in failed:
        _say(f"\n{result.server} {result.scenario}: " + (result.failure or f"errors {result.errors}"))
        for sample in result.error_samples:
            _say(f"  sample: {sample['status']} {sample['body'][:1000]}")
    if args.json:
        rows = [asdict(r) | {"rps": r.rps, "server_cpu_ms": r.server_cpu_ms} for r in results]
        args.json.write_text(json.dumps(rows, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
