"""Doctor evaluations and employer feedback (issue 16): :mod:`.records` stores, versions and decides
who sees what (:func:`.records.visible`); :mod:`.evaluations` and :mod:`.feedback` are the two
registry types' modules (their hooks)."""
