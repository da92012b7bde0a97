"""Website link checking: HEAD first, GET when HEAD is refused or fails, with timeouts,
bounded redirects and bounded concurrency. Results mark Service.link_status so broken
links show in the verification queue.

The network part (check_url, check_urls) never touches the database; check_all_links
reads the services' websites, checks them in worker threads and records the outcome.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

log = logging.getLogger(__name__)

USER_AGENT = "navigator-link-checker/0.1 (directory verification; +https://github.com/)"
DEFAULT_TIMEOUT = 10.0
DEFAULT_WORKERS = 8
DEFAULT_MAX_REDIRECTS = 5


@dataclass(frozen=True)
class LinkResult:
    url: str
    ok: bool
    status_code: int | None = None
    error: str | None = None


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _describe(exc: Exception, timeout: float) -> str:
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return "Too many redirects"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"No response within {timeout:g} seconds"
    if isinstance(exc, requests.exceptions.SSLError):
        return "Secure connection failed (certificate problem)"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "Could not connect to the site"
    if isinstance(exc, requests.exceptions.InvalidSchema):
        return "Redirected to something that is not a web page"
    return "Could not check the link"


def check_url(url: str, *, timeout: float = DEFAULT_TIMEOUT,
              max_redirects: int = DEFAULT_MAX_REDIRECTS) -> LinkResult:
    """Check one URL. ok means the final response (after redirects) was below 400."""
    if not _is_web_url(url):
        return LinkResult(url, False, None, "Not a web address (only http and https links are checked)")
    with requests.Session() as session:
        session.max_redirects = max_redirects
        session.headers["User-Agent"] = USER_AGENT
        try:
            response = session.head(url, timeout=timeout, allow_redirects=True)
            response.close()
            if response.status_code < 400:
                return LinkResult(url, True, response.status_code)
        except requests.exceptions.Timeout as exc:
            # A server too slow for HEAD will not be quicker for GET; don't double the wait.
            return LinkResult(url, False, None, _describe(exc, timeout))
        except requests.exceptions.RequestException:
            pass  # some servers drop HEAD outright; GET decides
        # Many servers answer HEAD with 405/501 (or wrongly 403/404) but serve GET fine.
        try:
            response = session.get(url, timeout=timeout, allow_redirects=True, stream=True)
            response.close()
        except requests.exceptions.RequestException as exc:
            return LinkResult(url, False, None, _describe(exc, timeout))
    if response.status_code < 400:
        return LinkResult(url, True, response.status_code)
    return LinkResult(url, False, response.status_code, f"The site answered HTTP {response.status_code}")


def check_urls(urls, *, workers: int = DEFAULT_WORKERS, timeout: float = DEFAULT_TIMEOUT,
               max_redirects: int = DEFAULT_MAX_REDIRECTS) -> dict[str, LinkResult]:
    """Check each distinct URL once, at most `workers` at a time."""
    distinct = sorted(set(urls))
    if not distinct:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(distinct)))) as pool:
        results = pool.map(lambda u: check_url(u, timeout=timeout, max_redirects=max_redirects), distinct)
        return {result.url: result for result in results}


def check_all_links(*, workers: int = DEFAULT_WORKERS, timeout: float = DEFAULT_TIMEOUT,
                    max_redirects: int = DEFAULT_MAX_REDIRECTS, actor_id: int | None = None) -> dict:
    """Check every service website and record ok/broken on each service.

    Returns {"checked": services checked, "ok": n, "broken": n, "broken_services": [(name, url, error)]}.
    """
    from navigator.directory import queries, services

    pairs = queries.list_services_with_links()
    results = check_urls([url.strip() for _, url in pairs], workers=workers, timeout=timeout,
                         max_redirects=max_redirects)
    outcome = {sid: (results[url.strip()].ok, results[url.strip()].error) for sid, url in pairs}
    counts = services.record_link_results(outcome, actor_id)
    broken = [(service.name, service.url, service.link_error) for service in queries.list_broken_links()]
    log.info("link check: %d services, %d ok, %d broken", len(pairs), counts["ok"], counts["broken"])
    return {"checked": len(pairs), **counts, "broken_services": broken}
