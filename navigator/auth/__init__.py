"""Users, roles, sign-in and the deny-by-default permission check."""
