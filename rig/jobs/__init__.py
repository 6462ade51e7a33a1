"""Jobs: the one workflow every front end (CLI, pytest plugin, Dask worker) calls.

- `service`: JobRequest -> JobService.plan -> JobPlan -> JobService.run -> JobResult;
- `result`: JobResult, the `--json` document and the exit codes;
- `runner`: the phones of one run in parallel, each through its steps, journaling as it goes;
- `health`: a bench part that fails for two phones is out of service for the rest of the run;
- `rundir`: run directory names and what a journal says for `--resume`;
- `interrupts`: Ctrl-C asks the run to stop and never cuts its journal and reports short;
- `phones`: a bench's phones read from its config file alone.
"""

from rig.jobs.result import EXIT_INTERRUPTED, JobResult, exit_code, json_document
from rig.jobs.service import DEFAULT_RUNS, JobPlan, JobRequest, JobService

__all__ = ["DEFAULT_RUNS", "EXIT_INTERRUPTED", "JobPlan", "JobRequest", "JobResult", "JobService", "exit_code",
           "json_document"]
