"""Production server settings (gunicorn -c gunicorn.conf.py 'navigator:create_app()').

Every value can be overridden from the environment; secrets never live here.
"""
import multiprocessing
import os

bind = os.environ.get("NAVIGATOR_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("NAVIGATOR_WORKERS", min(4, multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("NAVIGATOR_THREADS", "2"))
timeout = int(os.environ.get("NAVIGATOR_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("NAVIGATOR_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# The path only: query strings are left out of access logs as a precaution.
access_log_format = '{"ts":"%(t)s","method":"%(m)s","path":"%(U)s","status":%(s)s,"bytes":%(B)s,"ms":%(M)s}'
