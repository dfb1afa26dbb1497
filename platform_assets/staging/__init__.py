"""The staging layer every source shares: the generic runner, its worker pool, dead letters, the ledger."""
