"""What a long-running Yewu process (a web worker, `yewu worker`) does once it has started.

`settle()` loads what the first requests would otherwise load (every URL pattern and the views
behind them) and then moves everything alive at that moment out of the garbage collector's sight
(`gc.freeze()`). Without it, each full collection walks the whole framework, the parsed process
diagrams and the translations again: on a 2-core machine that is a pause of about 0.1 s every few
hundred approval steps (measured with bench/workflow.py). Objects created later are collected as
usual; what was alive at start-up stays for the life of the process anyway.
"""

from __future__ import annotations

import gc


def settle() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 -- imports every app's URLconf and views now
    gc.collect()
    gc.freeze()
