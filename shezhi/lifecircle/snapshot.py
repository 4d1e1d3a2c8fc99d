"""What a run read: its network, its extract and a fingerprint of its facilities and compounds."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from shezhi.lifecircle.analysis import Inputs


def facility_snapshot(inputs: Inputs, network_key: str, extract: Any = None) -> dict[str, Any]:
    """``{"network_key", "extract", "extract_sha256", "facilities", "facilities_digest", "compounds"}``.

    The digest is SHA-256 over every facility's (element, id, lon, lat) in a fixed order,
    so two runs read the same facilities exactly when their digests agree.
    """
    digest = hashlib.sha256()
    count = 0
    for code in sorted(inputs.facilities):
        f = inputs.facilities[code]
        order = np.argsort(f.ids, kind="stable")
        digest.update(code.encode())
        digest.update(np.ascontiguousarray(f.ids[order]).tobytes())
        digest.update(np.round(np.column_stack([f.lon[order], f.lat[order]]), 7).tobytes())
        count += len(f)
    return {
        "network_key": network_key,
        "extract": extract.pk if extract is not None else None,
        "extract_sha256": extract.sha256 if extract is not None else "",
        "facilities": count,
        "facilities_digest": digest.hexdigest(),
        "compounds": int(inputs.compound_ids.shape[0]),
    }
