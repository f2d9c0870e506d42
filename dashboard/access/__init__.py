"""Members only: who may use the dashboard and what each may do.

- settings: the installation's sign-in configuration (instance folder): built-in accounts, OIDC,
  session idle time, lockout; and whether the server may listen beyond this machine.
- roles: the roles and what each may do, the one place a write asks before it writes.
- accounts: built-in accounts (argon2id hashes) and the lockout after failed sign-ins.
- sessions: signed-in browsers (a random token in an HttpOnly cookie) and their idle expiry.
- audit: the append-only log of sign-ins, downloads, handouts and deck saves.
- gate: the ASGI middleware and routes in front of Streamlit: the sign-in page, and nothing else
  for anyone not signed in.
- member: the Streamlit side: the signed-in user of a script run.
"""
