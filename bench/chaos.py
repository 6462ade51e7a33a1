"""Chaos: `rig erase` and `rig power cycle` on small simulated benches under randomized faults,
with rig's safety invariants asserted after every run from the simulator's own record.

A seed draws a whole run (`make_plan`): 2-4 phones, the command, per-exchange fault rates at the
switch (SSH drop, slow answer, command applied but answer lost), the phones' web servers (drop,
slow, key taken but answer lost) and the key boards (same), maybe a journal whose disk fills up
(ENOSPC from the Kth fsync on), maybe a signal (SIGINT, SIGTERM, SIGHUP) at a random time or
just after a port goes off, maybe two phones' cables swapped right after the switch answers its
Nth MAC address table read, maybe a phone configured on an uplink. The invariants (bench/chaos_checks.py) are then read from what the
simulated switches heard and did and from the run's files. `--seed N` replays a failing seed.

    python bench/chaos.py --runs 50            # 50 seeds from --first-seed (default 1)
    python bench/chaos.py --minutes 10 --jobs 2
    python bench/chaos.py --seed 17 -v          # one seed: its plan, faults, violations, stderr

The same harness runs a fixed set of seeds in `make test` (tests/test_chaos.py).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Literal

from rig.config.simulation import Simulation
from rig.sim.bench import SimBench
from rig.sim.chaos import KINDS, POINTS, ExchangeFaults, ExchangePlan, set_exchange_faults, swap_phone_cables


def _sibling(name: str) -> ModuleType:
    """A bench/ script as a module (bench/ is scripts, not a package)."""
    module = sys.modules.get(f"bench_{name}")
    if module is None:
        spec = importlib.util.spec_from_file_location(f"bench_{name}", Path(__file__).with_name(f"{name}.py"))
        assert spec is not None and spec.loader is not None
        module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


faults = _sibling("faults")
checks = _sibling("chaos_checks")

SHIM = Path(__file__).with_name("chaos_rig.py")
TIME_SCALE = faults.TIME_SCALE
RUN_LIMIT_S = 120.0
"""A run not over after this long is a `hang` (and is killed)."""
SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM, "SIGHUP": signal.SIGHUP}
Moment = Literal["after", "port off"]
MAC_READ = "show mac address-table"
"""The read that identifies phones on their ports (rig's driver spells it out in full)."""


@dataclass(frozen=True)
class SignalPlan:
    name: str
    """SIGINT, SIGTERM or SIGHUP, sent to rig's process group (a terminal, CI, `timeout`)."""
    moment: Moment
    """`after`: `delay` seconds after start; `port off`: `delay` seconds after a port goes off."""
    delay: float


@dataclass(frozen=True)
class SwapPlan:
    phones: tuple[str, str]
    after_read: int
    """The cables move right after the switch answers its Nth `show mac address-table`: at a
    point of the exchange, not of the clock, so a seed moves them at the same step on any machine
    (after rig identified the phones, say, and before it proves a port again)."""


@dataclass(frozen=True)
class ChaosPlan:
    seed: int
    phones: int
    command: tuple[str, ...]
    """`erase`, or `power cycle desk-NN`."""
    exchange: ExchangePlan
    signal: SignalPlan | None = None
    swap: SwapPlan | None = None
    journal_full_after: int | None = None
    """The Kth fsync of the journal and every later one fail with ENOSPC."""
    uplink: str | None = None
    """This phone's port is a trunk to another switch, the phone behind it among 20 other MACs
    (`simulation.misconfig.uplink`): the config names an uplink as a phone's port."""


def make_plan(seed: int) -> ChaosPlan:
    """Everything about one run, drawn from `seed` alone."""
    draw = random.Random(seed)
    phones = draw.randint(2, 4)
    names = [f"desk-{i + 1:02d}" for i in range(phones)]
    command = ("erase",) if draw.random() < 0.75 else ("power", "cycle", draw.choice(names))
    rates = {point: {kind: round(draw.uniform(0, 0.04), 3) for kind in KINDS if draw.random() < 0.6}
             for point in POINTS}
    exchange = ExchangePlan(rates=rates, slow_s=round(draw.uniform(0.05, 0.8), 2))
    sig = None
    if draw.random() < 0.4:
        moment: Moment = draw.choice(["after", "port off"])
        delay = draw.uniform(0.5, 6.0) if moment == "after" else draw.uniform(0.0, 0.2)
        sig = SignalPlan(draw.choice(sorted(SIGNALS)), moment, round(delay, 2))
    swap = SwapPlan(tuple(draw.sample(names, 2)), 1 + int(draw.uniform(0, 3))) if draw.random() < 0.4 else None
    full = draw.randint(1, 40) if command[0] == "erase" and draw.random() < 0.2 else None
    uplink = draw.choice(names) if draw.random() < 0.15 else None  # drawn last: older seeds keep their plan
    return ChaosPlan(seed, phones, command, exchange, sig, swap, full, uplink)


@dataclass
class ChaosResult:
    plan: ChaosPlan
    exit_code: int | None
    injected: list[str] = field(default_factory=list)
    """Every fault that happened, by kind: `switch:drop`, `signal:SIGTERM`, `cables:swap`,
    `journal:ENOSPC`; and `race` for a cable moved between a fresh proof and its command."""
    violations: list[checks.Violation] = field(default_factory=list)
    stderr: str = ""
    run_s: float = 0.0


def simulation(phones: int, uplink: str | None = None) -> Simulation:
    scenarios = {"stale_itl": 1, "no_itl": 1, "healthy": phones - 2}
    return Simulation(phones=phones, scenarios={k: v for k, v in scenarios.items() if v}, time_scale=TIME_SCALE,
                      image_kb=4, keypad="http_execute", misconfig={"uplink": [uplink] if uplink else []})


def run_plan(plan: ChaosPlan, work: Path) -> ChaosResult:
    """One run on its own simulated bench in `work` (a fresh directory)."""
    with SimBench(simulation(plan.phones, plan.uplink), f"chaos-{plan.seed}", work) as sim:
        config_path = work / "lab.yaml"
        config = faults.write_config(sim, config_path)
        exchange = ExchangeFaults(plan.seed, plan.exchange)
        set_exchange_faults(sim, exchange)
        mark = work / "journal-full"
        env = {**faults._env(work), **({"CHAOS_JOURNAL_FULL_AFTER": str(plan.journal_full_after),
                                        "CHAOS_JOURNAL_MARK": str(mark)} if plan.journal_full_after else {})}
        args = [*plan.command, "--config", str(config_path)]
        if plan.command[0] == "erase":
            args += ["--runs-dir", str(work / "runs"), "--json"]
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, str(SHIM), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, cwd=work, env=env, start_new_session=True)
        done = threading.Event()
        happened: list[str] = []
        drivers = [threading.Thread(target=fn, args=(sim, proc, done, happened), daemon=True)
                   for fn in (_signaller(plan.signal), _swapper(plan.swap)) if fn is not None]
        for driver in drivers:
            driver.start()
        hung = False
        try:
            out, err = proc.communicate(timeout=RUN_LIMIT_S)
        except subprocess.TimeoutExpired:
            hung = True
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        done.set()
        for driver in drivers:
            driver.join()
        exchange.stop()
        run_s = time.monotonic() - started
        injected = [f"{i.point}:{i.kind}" for i in exchange.injected()] + happened
        if plan.uplink:
            injected.append("uplink")
        if mark.exists():
            injected.append("journal:ENOSPC")
        talked = _phone_exchanges(exchange)
        violations = []
        for name in config.switches:
            ports = {p.port: p.name for p in config.phones if p.switch == name and p.port}
            history = sim.observe.switch_history(name)
            uplinks = frozenset(p.port for p in config.phones if p.switch == name and p.name == plan.uplink and p.port)
            violations += checks.switch_violations(name, history.lines(), history.port_events(), ports, talked, uplinks)
        injected += ["race" for v in violations if v.kind == "race"]
        violations = [v for v in violations if v.kind != "race"]
    run_dir = faults._json_run_dir(out)
    run_dir = work / run_dir if run_dir is not None else _only_run_dir(work)
    killed = proc.returncode == -signal.SIGKILL
    violations += checks.file_violations(run_dir, expect_reports=plan.command[0] == "erase" and not killed
                                         and "journal:ENOSPC" not in injected)
    violations += checks.output_violations(err, hung=hung)
    return ChaosResult(plan, proc.returncode, injected, violations, err, run_s)


def _phone_exchanges(exchange: ExchangeFaults) -> dict[str, list[float]]:
    """Phone -> times of the web requests and key-board presses it received."""
    talked: dict[str, list[float]] = {}
    for e in exchange.exchanges():
        words = e.detail.split()
        name = words[0] if e.point == "phone_http" else words[1] if e.point == "board" and len(words) > 1 else None
        if name is not None and (e.point == "phone_http" or words[0].upper() == "PRESS"):
            talked.setdefault(name, []).append(e.at)
    return talked


def _only_run_dir(work: Path) -> Path | None:
    dirs = sorted(p.parent for p in (work / "runs").glob("*/journal.jsonl"))
    return dirs[0] if len(dirs) == 1 else None


Driver = Callable[[SimBench, "subprocess.Popen[str]", threading.Event, list[str]], None]
"""A harness thread acting on the run: (bench, rig's process, the run is over, what it did)."""


def _signaller(plan: SignalPlan | None) -> Driver | None:
    if plan is None:
        return None

    def send(sim: SimBench, proc: subprocess.Popen[str], done: threading.Event, happened: list[str]) -> None:
        if plan.moment == "port off" and not _wait(lambda: _any_port_off(sim), done):
            return
        if done.wait(plan.delay) or proc.poll() is not None:
            return
        os.killpg(proc.pid, SIGNALS[plan.name])
        happened.append(f"signal:{plan.name}")

    return send


def _swapper(plan: SwapPlan | None) -> Driver | None:
    if plan is None:
        return None

    def swap(sim: SimBench, proc: subprocess.Popen[str], done: threading.Event, happened: list[str]) -> None:
        switch = sim.switches[next(s.switch for s in sim.specs if s.name == plan.phones[0])]
        reads = [0]

        def count() -> None:
            reads[0] += 1
            if reads[0] < plan.after_read:
                switch.after_next(MAC_READ, count)
            elif not done.is_set():
                swap_phone_cables(sim, *plan.phones)
                happened.append("cables:swap")

        switch.after_next(MAC_READ, count)

    return swap


def _any_port_off(sim: SimBench) -> bool:
    return any(e.what == "never" for sw in sim.switches for e in sim.observe.switch_history(sw).port_events())


def _wait(probe: Callable[[], bool], done: threading.Event) -> bool:
    while not done.is_set():
        if probe():
            return True
        done.wait(0.01)
    return False


def run_seeds(seeds: list[int], root: Path, jobs: int = 1) -> list[ChaosResult]:
    def one(seed: int) -> ChaosResult:
        work = root / f"seed-{seed}"
        work.mkdir(parents=True)
        return run_plan(make_plan(seed), work)

    with ThreadPoolExecutor(jobs) as pool:
        return list(pool.map(one, seeds))


def describe(result: ChaosResult) -> str:
    """The seed, its plan and what happened: enough to reproduce and read a failing run."""
    plan = json.dumps(asdict(result.plan), separators=(",", ":"))
    lines = [f"seed {result.plan.seed}: exit {result.exit_code}, {result.run_s:.1f} s; plan {plan}",
             f"  injected: {', '.join(result.injected) or 'nothing'}"]
    lines += [f"  VIOLATION {v.kind}: {v.detail}" for v in result.violations]
    return "\n".join(lines)


def summary(results: list[ChaosResult]) -> str:
    injected = Counter(kind for r in results for kind in r.injected)
    by_kind: dict[str, list[int]] = {}
    for r in results:
        for kind in sorted({v.kind for v in r.violations}):
            by_kind.setdefault(kind, []).append(r.plan.seed)
    lines = [f"runs: {len(results)}", "faults injected:"]
    lines += [f"  {kind}: {n}" for kind, n in sorted(injected.items())] or ["  none"]
    lines.append(f"invariant violations: {sum(1 for r in results if r.violations)} runs")
    lines += [f"  {kind}: {len(seeds)} (seeds {', '.join(map(str, seeds))})" for kind, seeds in sorted(by_kind.items())]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, help="number of seeds to run (default 20 unless --minutes)")
    parser.add_argument("--minutes", type=float, help="keep running new seeds for this long")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--seed", type=int, help="run this one seed only")
    parser.add_argument("--jobs", type=int, default=2, help="runs at once (each mostly waits on device time)")
    parser.add_argument("-v", "--verbose", action="store_true", help="every run's plan, and rig's stderr of failing ones")
    args = parser.parse_args()
    results: list[ChaosResult] = []
    deadline = time.monotonic() + 60 * args.minutes if args.minutes else None
    runs = 1 if args.seed is not None else args.runs or (None if deadline else 20)
    next_seed = args.seed if args.seed is not None else args.first_seed
    with tempfile.TemporaryDirectory(prefix="rig-chaos-") as root:
        while (runs is None or len(results) < runs) and (deadline is None or time.monotonic() < deadline):
            batch = args.jobs if runs is None else min(args.jobs, runs - len(results))
            seeds = list(range(next_seed, next_seed + batch))
            next_seed += batch
            for result in run_seeds(seeds, Path(root), batch):
                results.append(result)
                if result.violations or args.verbose:
                    print(describe(result), flush=True)
                    if args.verbose and result.violations:
                        print("  stderr: " + result.stderr.strip().replace("\n", "\n  stderr: "), flush=True)
    print(summary(results))
    sys.exit(1 if any(r.violations for r in results) else 0)


if __name__ == "__main__":
    main()
