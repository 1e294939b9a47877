"""The `courtesy` command's groups and commands, one module a group (or a few commands
that belong together); `monitor/cli.py` assembles them under the root group. Each command
parses options, calls the library and formats its output; `common.py` holds what they share.
"""
