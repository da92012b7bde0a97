"""Open Referral interoperability: the ORUK 3.0 read API, imports and exports (HSDS 3.0)."""
