"""Referrals: people on probation, agreed needs, consent, sharing agreements and referrals."""
