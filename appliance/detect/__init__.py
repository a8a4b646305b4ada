"""Detection of suspicious patterns in flow records: rules, the detector, alerts and their store."""
