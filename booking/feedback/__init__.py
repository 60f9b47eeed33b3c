"""Visitor feedback by QR code, venues' stop reports and the Tuba review dashboard.

- `questionnaire`: the versioned visitor questions (data, not code);
- `submit`: validate and store one anonymous response; `ratelimit`: in-memory limits;
- `suppression`: small groups are never shown; `dashboard`: SQL aggregates, suppressed;
- `exports`: CSV/XLSX safe against formula injection; `posters`: QR posters;
- `reports`: the venue's stop report; `retention`: the comment purge job; `cli`.
"""
