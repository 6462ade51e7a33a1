"""What a run leaves behind and holds while it runs: typed events, the write-ahead journal, phone leases."""
