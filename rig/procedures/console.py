"""console: from the moment the phone is identified, its console is captured to the run directory.

A step of its own (declared after identify), so the console of a phone that is not on its port
is never opened, and a console server that refuses is the bench's fault at a named step.
"""

from __future__ import annotations

from rig.procedures.context import PhoneContext
from rig.procedures.findings import ConsoleOpened, StepView
from rig.record.steps import CONSOLE


def run(ctx: PhoneContext, _: StepView) -> ConsoleOpened:
    log_path = ctx.run_dir / "console" / f"{ctx.phone.name}.log"
    with ctx.steps.step(CONSOLE) as step:
        console = ctx.bench.console(ctx.phone, log_path=log_path)
        if console is None:
            step.detail = "no console configured"
            return ConsoleOpened(console=None, log_path=log_path)
        console.open()
        ctx.resources.callback(console.close)
        step.data = {"url": console.url, "log": str(log_path)}
        step.detail = f"capturing {console.url} to {log_path.name}"
        return ConsoleOpened(console=console, log_path=log_path)
