"""Cercle on Slack: slack-bolt in, Block Kit and the Web API out (see adapter.py)."""
