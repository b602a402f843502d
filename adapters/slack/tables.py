"""Slack OAuth installations, kept in Cercle's own database.

The tables are exactly the ones slack-sdk's (async) SQLAlchemy installation and OAuth
state stores read and write (`slack_installations`, `slack_bots`, `slack_oauth_states`),
built by slack-sdk itself on Cercle's metadata so that migrations and the schema check
cover them. Only a multi-workspace install (`slack.oauth_enabled`) writes to them.
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlmodel import SQLModel

INSTALLATIONS = "slack_installations"
BOTS = "slack_bots"
OAUTH_STATES = "slack_oauth_states"

installations = SQLAlchemyInstallationStore.build_installations_table(
    SQLModel.metadata, INSTALLATIONS
)
bots = SQLAlchemyInstallationStore.build_bots_table(SQLModel.metadata, BOTS)
oauth_states = SQLAlchemyOAuthStateStore.build_oauth_states_table(SQLModel.metadata, OAUTH_STATES)
