"""Commissioner reports: gap maps, referral equity, trends and their exports (aggregates only)."""
