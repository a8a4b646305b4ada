"""Fault tier: killed processes, bad flow files, full disks, an abused collector port."""
