"""Reading the files other levelling bots export (MEE6, Amari, LevelUp, Polaris, CSV) into
one neutral list of players; the core (`bot.imports`) turns that list into points."""
