"""``python -m cryptopulse.cli``: the same as the ``cryptopulse`` command (as ``cli.py`` was)."""

from cryptopulse.cli.app import main

main()
