"""Fetch a linked file for the portal, as a careful server should.

Results, turnout, reference and boundaries files may be links instead of
uploads. The portal fetches them itself (never the readers' browsers), so
the request is bounded and kept to the public web:

* only ``http`` and ``https``, with TLS checked as xloader does
  (``ckanext.xloader.ssl_verify``) and through ``ckan.download_proxy`` when
  one is set;
* no address of the portal's own networks (loopback, private, link-local,
  multicast, reserved), looked up before each request and each redirect,
  unless ``ckanext.elections.fetch.allow_private`` says otherwise (tests,
  an intranet);
* at most a given number of bytes, counted as they arrive.
"""
from __future__ import annotations

import ipaddress
import socket
from typing import IO
from urllib.parse import urljoin, urlsplit

import ckan.plugins.toolkit as tk
import requests

from ckanext.elections.results import N_

__all__ = ["FetchRefused", "fetch"]

_MAX_REDIRECTS = 3
_CHUNK = 1 << 16


class FetchRefused(Exception):
    """Why a link was not fetched: an English ``template`` and its ``params``."""

    def __init__(self, template: str, **params: object) -> None:
        self.template, self.params = template, params
        super().__init__(template.format(**params))


def _check_address(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused(N_("Only http and https links can be fetched, not {url}"), url=url[:200])
    if tk.config.get("ckanext.elections.fetch.allow_private"):
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or None)}
    except OSError:
        raise FetchRefused(N_("The host of {url} cannot be found"), url=url[:200])
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            raise FetchRefused(N_("{url} points into a private network: it is not fetched"), url=url[:200])


def fetch(url: str, into: IO[bytes], *, max_bytes: int, timeout: float = 60) -> None:
    """Copy the file at ``url`` into ``into``, or raise ``FetchRefused``."""
    proxy = tk.config.get("ckan.download_proxy")
    session = requests.Session()
    for _ in range(_MAX_REDIRECTS + 1):
        _check_address(url)
        try:
            response = session.get(url, stream=True, timeout=timeout, allow_redirects=False,
                                   verify=tk.config.get("ckanext.xloader.ssl_verify", True),
                                   proxies={"http": proxy, "https": proxy} if proxy else None)
        except requests.RequestException as error:
            raise FetchRefused(N_("{url} cannot be fetched: {error}"), url=url[:200], error=type(error).__name__)
        with response:
            if response.is_redirect:
                url = urljoin(url, response.headers.get("Location", ""))
                continue
            if response.status_code != 200:
                raise FetchRefused(N_("{url} answered HTTP {status}"), url=url[:200], status=response.status_code)
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchRefused(N_("{url} is larger than {limit_mib} MiB, the most fetched"), url=url[:200],
                                   limit_mib=max_bytes // (1 << 20))
            received = 0
            for chunk in response.iter_content(_CHUNK):
                received += len(chunk)
                if received > max_bytes:
                    raise FetchRefused(N_("{url} is larger than {limit_mib} MiB, the most fetched"),
                                       url=url[:200], limit_mib=max_bytes // (1 << 20))
                into.write(chunk)
            return
    raise FetchRefused(N_("{url} redirects too many times"), url=url[:200])
