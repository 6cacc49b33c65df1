"""Shared widgets of the console: badges for grades, states and clocks; the post card; charts; the
helper that runs a service call and shows its outcome as a sentence."""
