"""Cases: what Qingfeng remembers about each case across runs (the case ledger), what a decision on a case
does (outcomes), and the investigators' decisions read back from returned workbooks (feedback import)."""
