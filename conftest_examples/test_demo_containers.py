"""Containers: start busybox httpd, reach it through a tunnel, nothing left behind."""

from __future__ import annotations

import urllib.request

from pytest_ipfs_accelerate.containers import TEST_IMAGE, http_status


def test_httpd_through_a_tunnel(container):
    web = container(TEST_IMAGE, ["httpd", "-f", "-p", "8080", "-h", "/www"], ports=[8080],
                    wait_for=http_status(8080, path="/", status=200), startup_timeout=30)
    with urllib.request.urlopen(web.url(8080), timeout=10) as response:
        assert response.status == 200
        assert response.read()


def test_exec_reports_exit_codes(container):
    box = container(TEST_IMAGE, ["sleep", "300"])
    assert box.exec(["sh", "-c", "exit 3"]).exit_code == 3
    assert box.exec(["echo", "hi"]).text.strip() == "hi"
