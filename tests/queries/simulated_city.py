"""The simulated city of the statistical simulations (Holm's false alarms, replicate-interval
coverage): who answers and how households are made up, by age band 1..8, as in the demo data."""

from __future__ import annotations

import numpy as np

# older people answer more often, as in the demo data and the city's survey
RESPONSE_RATE = np.array([0.25, 0.25, 0.30, 0.40, 0.50, 0.60, 0.65, 0.55])
# household (1 単身, 2 夫婦のみ, 3 二世代, 4 三世代, 5 その他) by age band: living alone is commoner
# among the young and the old
HOUSEHOLD = np.array(
    [
        [0.05, 0.02, 0.70, 0.18, 0.05],
        [0.25, 0.08, 0.50, 0.12, 0.05],
        [0.18, 0.15, 0.52, 0.10, 0.05],
        [0.12, 0.12, 0.58, 0.13, 0.05],
        [0.12, 0.20, 0.48, 0.15, 0.05],
        [0.14, 0.35, 0.30, 0.16, 0.05],
        [0.20, 0.38, 0.22, 0.15, 0.05],
        [0.30, 0.25, 0.20, 0.20, 0.05],
    ]
)
