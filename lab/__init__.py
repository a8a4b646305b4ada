"""The Mininet lab: an office switch with a SPAN port feeding the spanflow sensor."""
