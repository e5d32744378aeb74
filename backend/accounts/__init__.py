"""Accounts: the people who run an organisation's sites, their sessions and links, and its admin keys.

`records.py` holds what the store answers; `keys.py`, `people.py` the rules the admin API, the CLI
and the staff pages share; `passwords.py` hashing; `mail.py` sending the links.
"""
