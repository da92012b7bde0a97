"""Administration: the audit log (read and export) for admins."""
