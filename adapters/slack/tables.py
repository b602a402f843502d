"""Slack's own tables: its OAuth installations, kept in Cercle's database.

The tables are exactly the ones slack-sdk's (async) SQLAlchemy installation and OAuth
state stores read and write (`slack_installations`, `slack_bots`, `slack_oauth_states`),
built by slack-sdk itself on Cercle's metadata so that the schema check compares them with
what the migrations create. Only a multi-workspace install (`slack.oauth_enabled`) writes
to them. They belong to the Slack package, not to `storage/`: storage never imports
slack-sdk. The migration that creates them (`storage/migrations/versions/0007_...`) keeps
its own copy of their columns, as migrations do, so upgrading a database needs no adapter;
the platform registry (`adapters.platforms.declare_tables`) imports this module wherever
the whole schema must be known.
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
