"""Command-line entry point; importing a command module registers its commands on ``app``."""

from autopass.cli._app import app
from autopass.cli import samples as _samples  # noqa: F401  (registers `autopass samples`)
from autopass.cli import faces as _faces  # noqa: F401  (registers `autopass faces`)
from autopass.cli import db as _db  # noqa: F401  (registers `autopass db`, `autopass users`)
from autopass.cli import standards as _standards  # noqa: F401  (registers `autopass standards`)
from autopass.cli import process as _process  # noqa: F401  (registers `autopass process`)
from autopass.cli import serve as _serve  # noqa: F401  (registers `autopass serve`)
from autopass.cli import bench as _bench  # noqa: F401  (registers `autopass bench`)
from autopass.cli import evaluate as _evaluate  # noqa: F401  (registers `autopass evaluate`)
from autopass.cli import demo as _demo  # noqa: F401  (registers `autopass demo`)
from autopass.cli import dealers as _dealers  # noqa: F401  (registers `autopass dealers`)
from autopass.cli import operations as _operations  # noqa: F401  (registers `autopass intake`, `autopass nightly`)
from autopass.cli import cluster as _cluster  # noqa: F401  (registers `autopass cluster`)
from autopass.cli import agents as _agents  # noqa: F401  (registers `autopass agents`)
from autopass.cli import voices as _voices  # noqa: F401  (registers `autopass voices`)
from autopass.cli import calibrate as _calibrate  # noqa: F401  (registers `autopass calibrate`)
from autopass.cli import risk as _risk  # noqa: F401  (registers `autopass risk`)

__all__ = ["app"]
