"""Cercle on Discord: gateway events in, REST calls out, every command as a native
application command. `adapter.DiscordAdapter` is what `cercle run` starts."""
