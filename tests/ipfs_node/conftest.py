"""Import ipfshttpclient (and requests, http.cookiejar) once, up front: pytester's
in-process runs restore sys.modules afterwards, and classes re-imported inside a run
no longer match those imported outside it."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    try:
        import ipfshttpclient  # noqa: F401
    except ImportError:  # the tests that need it skip
        pass
