"""Tandem's core: settings, storage, domain services and Slack rendering.

Services here take plain values and return frozen data; they know nothing of Slack,
Bolt or APScheduler, so other chat fronts can reuse them.
"""
