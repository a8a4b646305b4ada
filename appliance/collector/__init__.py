"""The collector: nfcapd's command line, its receive buffer, the flow-file store and its retention."""
