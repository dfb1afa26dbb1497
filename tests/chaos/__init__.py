"""The fault suite (``make chaos``): seeded, bounded scenarios that break the wire and kill runs, then
count what was lost, duplicated, leaked, hung or left behind (all must be zero). See docs/reliability.md."""
