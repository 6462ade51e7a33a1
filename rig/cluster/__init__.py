"""Many benches through Dask: `rig erase --cluster SCHED --config site.yaml` and `rig worker`.

- `site`: the site file (bench configs, timeouts) and phone names across benches;
- `worker`: the bench side, a Dask worker owning one bench, running its job through rig.jobs;
- `client`: submits each bench's job to its worker, prints phones as they finish, handles Ctrl-C;
- `merge`: the benches' journals and console logs as one run directory.
"""

from rig.cluster.client import run_on_cluster
from rig.cluster.site import Site, load_site

__all__ = ["Site", "load_site", "run_on_cluster"]
