"""OPTIONS names every method a resource answers, on every route."""

from __future__ import annotations

import re

from litestar.routes import HTTPRoute


async def test_options_allow_names_every_method_of_the_resource(anonymous) -> None:
    checked = 0
    for route in anonymous.app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        path = re.sub(r"\{(\w+):[^}]+\}", "probe", route.path)
        response = await anonymous.options(path)
        assert response.status_code == 204, (path, response.status_code)
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert allowed == set(route.methods), (path, allowed, route.methods)
        checked += 1
    assert checked > 20
